# k8s_add_library(): how every library of the project is made, the runtime's
# and the generated trees' alike (a generated tree's CMakeLists.txt calls it,
# which is why the runtime is added first).
#
#   k8s_add_library(NAME OUTPUT_NAME file-name INCLUDE dir
#                   [USES own-lib...] [PRIVATE target...] SOURCES src...)
#
# Makes k8s::NAME: the flavour BUILD_SHARED_LIBS picks, static by default.
# When the project installs (K8S_INSTALL) both flavours are built from one
# compilation, as packagers ship both: k8s_NAME_static and k8s_NAME_shared,
# libFILE-NAME.a and libFILE-NAME.so.X.Y (SONAME from the runtime's
# version). USES names other libraries of the project (core, client,
# api_types), linked publicly in the same flavour; PRIVATE names system
# libraries the code calls but whose headers the public ones do not include.
include_guard(GLOBAL)
include(GNUInstallDirs)

# k8s_warnings(target [STRICT]): the project's own code is built with
# warnings as errors when K8S_WARNINGS is on (the whole project, built on its
# own); STRICT, for libraries and tools, adds more.
function(k8s_warnings target)
  if(K8S_WARNINGS)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
    if(ARGV1 STREQUAL "STRICT")
      target_compile_options(${target} PRIVATE -Wshadow -Wstrict-prototypes -Wmissing-prototypes
                             -Wpointer-arith -Wvla -Wformat=2)
    endif()
  endif()
endfunction()

function(k8s_add_library name)
  cmake_parse_arguments(L "" "OUTPUT_NAME;INCLUDE" "USES;PRIVATE;SOURCES" ${ARGN})
  get_property(version GLOBAL PROPERTY K8S_LIBRARY_VERSION)
  get_property(soversion GLOBAL PROPERTY K8S_LIBRARY_SOVERSION)
  get_property(flavours GLOBAL PROPERTY K8S_LIBRARY_FLAVOURS)
  get_property(chosen GLOBAL PROPERTY K8S_LIBRARY_FLAVOUR)

  set(objects k8s_${name}_objects)
  add_library(${objects} OBJECT ${L_SOURCES})
  set_target_properties(${objects} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF
                                              POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${objects} PUBLIC $<BUILD_INTERFACE:${L_INCLUDE}>)
  foreach(own IN LISTS L_USES)
    target_link_libraries(${objects} PUBLIC k8s::${own})
  endforeach()
  target_link_libraries(${objects} PRIVATE ${L_PRIVATE})
  k8s_warnings(${objects} STRICT)

  foreach(flavour IN LISTS flavours)
    set(lib k8s_${name}_${flavour})
    string(TOUPPER ${flavour} type)
    add_library(${lib} ${type} $<TARGET_OBJECTS:${objects}>)
    target_include_directories(${lib} PUBLIC $<BUILD_INTERFACE:${L_INCLUDE}>
                                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    foreach(own IN LISTS L_USES)
      target_link_libraries(${lib} PUBLIC k8s_${own}_${flavour})
    endforeach()
    target_link_libraries(${lib} PRIVATE ${L_PRIVATE})
    set_target_properties(${lib} PROPERTIES OUTPUT_NAME ${L_OUTPUT_NAME} EXPORT_NAME ${name})
    if(flavour STREQUAL "shared")
      set_target_properties(${lib} PROPERTIES VERSION ${version} SOVERSION ${soversion})
      if(NOT K8S_SANITIZE) # a shared library names every library it calls into (clang's
                           # sanitizer runtimes are linked into executables only)
        target_link_options(${lib} PRIVATE LINKER:--no-undefined)
      endif()
    endif()
  endforeach()
  add_library(k8s::${name} ALIAS k8s_${name}_${chosen})
  set_property(GLOBAL APPEND PROPERTY K8S_LIBRARIES ${name})
endfunction()
