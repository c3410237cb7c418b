# The system libraries the runtime builds on, as imported targets. Read by
# runtime/CMakeLists.txt, and by the installed k8sConfig.cmake, where a
# static k8s::core or k8s::client names them in its link interface.
#   K8S_DEPS_CLIENT: also those of k8s::client (libcurl, cJSON, wslay,
#   OpenSSL's libcrypto, threads); k8s::core needs libyaml alone.
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::K8S_YAML)
  pkg_check_modules(K8S_YAML REQUIRED IMPORTED_TARGET yaml-0.1)
endif()
if(K8S_DEPS_CLIENT)
  if(NOT TARGET PkgConfig::K8S_CURL)
    pkg_check_modules(K8S_CURL REQUIRED IMPORTED_TARGET libcurl)
  endif()
  if(NOT TARGET PkgConfig::K8S_CJSON)
    pkg_check_modules(K8S_CJSON REQUIRED IMPORTED_TARGET libcjson)
  endif()
  find_package(Threads REQUIRED)
  find_package(OpenSSL REQUIRED COMPONENTS Crypto)
  # exec, attach and port-forward: WebSocket framing. Debian's libwslay-dev
  # ships a CMake package (target `wslay`) and no .pc file; others ship a .pc.
  if(NOT TARGET PkgConfig::K8S_WSLAY AND NOT TARGET wslay)
    pkg_check_modules(K8S_WSLAY QUIET IMPORTED_TARGET libwslay)
    if(NOT K8S_WSLAY_FOUND)
      find_package(wslay CONFIG REQUIRED)
    endif()
  endif()
  if(TARGET PkgConfig::K8S_WSLAY)
    set(K8S_WSLAY_LIB PkgConfig::K8S_WSLAY)
  else()
    set(K8S_WSLAY_LIB wslay)
  endif()
endif()
