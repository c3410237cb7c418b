# What `cmake --install` puts under the prefix:
#   include/k8s/                  the runtime's and the generated tree's headers
#   lib/libk8s-*.a, .so           every library in both flavours (SONAME libk8s-core.so.0.2, ...)
#   lib/cmake/k8s/                the CMake package: find_package(k8s 0.2 CONFIG COMPONENTS ...)
#   lib/pkgconfig/                k8s-core.pc, k8s-client.pc, k8s-controller.pc, k8s-api-types-X.Y.pc,
#                                 k8s-api-X.Y.pc
#   bin/, share/man/man1/         the tools (k8s_tool) and their man pages
include(CMakePackageConfigHelpers)
get_property(k8s_libraries GLOBAL PROPERTY K8S_LIBRARIES) # core client controller api_types api
set(k8s_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/k8s)

set(headers ${K8S_CORE_HEADERS})
if(TARGET k8s::client)
  list(APPEND headers ${K8S_CLIENT_HEADERS})
endif()
if(TARGET k8s::controller)
  list(APPEND headers ${K8S_CONTROLLER_HEADERS})
endif()
list(TRANSFORM headers PREPEND ${PROJECT_SOURCE_DIR}/runtime/include/k8s/)
install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/k8s)
if(TARGET k8s::api)
  install(DIRECTORY ${K8S_TREE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
else() # no client: no calls
  install(DIRECTORY ${K8S_TREE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          PATTERN "*_api.h" EXCLUDE PATTERN "api.h" EXCLUDE)
endif()

# One export set per flavour; the package configuration file picks one.
foreach(flavour static shared)
  set(targets ${k8s_libraries})
  list(TRANSFORM targets REPLACE "(.+)" "k8s_\\1_${flavour}")
  install(TARGETS ${targets} EXPORT k8s-${flavour}-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT k8s-${flavour}-targets NAMESPACE k8s:: DESTINATION ${k8s_cmake_dir})
endforeach()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/k8sConfig.cmake.in ${CMAKE_BINARY_DIR}/k8sConfig.cmake
                              INSTALL_DESTINATION ${k8s_cmake_dir})
# 0.x: a minor release may break the API, so 0.2 matches 0.2.* only
write_basic_package_version_file(${CMAKE_BINARY_DIR}/k8sConfigVersion.cmake VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/k8sConfig.cmake ${CMAKE_BINARY_DIR}/k8sConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/runtime/cmake/k8s-deps.cmake
        DESTINATION ${k8s_cmake_dir})

# pkg-config files, relocatable: the prefix is found from the file's place
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(K8S_PC_PREFIX ${CMAKE_INSTALL_PREFIX})
else()
  file(RELATIVE_PATH up /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
  set(K8S_PC_PREFIX "\${pcfiledir}/${up}")
endif()
if(TARGET PkgConfig::K8S_WSLAY) # a .pc of its own; Debian's libwslay-dev has none
  set(K8S_PC_WSLAY_REQUIRES libwslay)
  set(K8S_PC_WSLAY_LIBS "")
else()
  set(K8S_PC_WSLAY_REQUIRES "")
  set(K8S_PC_WSLAY_LIBS -lwslay)
endif()
set(pc_files k8s-core)
if(TARGET k8s::client)
  list(APPEND pc_files k8s-client)
endif()
if(TARGET k8s::controller)
  list(APPEND pc_files k8s-controller)
endif()
list(APPEND pc_files k8s-api-types)
if(TARGET k8s::api)
  list(APPEND pc_files k8s-api)
endif()
foreach(pc IN LISTS pc_files)
  set(name ${pc})
  if(pc MATCHES "^k8s-api")
    set(name ${pc}-${K8S_KUBE_VERSION})
  endif()
  configure_file(${CMAKE_CURRENT_LIST_DIR}/pkgconfig/${pc}.pc.in ${CMAKE_BINARY_DIR}/pkgconfig/${name}.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/pkgconfig/${name}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
