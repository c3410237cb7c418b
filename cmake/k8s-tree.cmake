# K8S_TREE_DIR: the generated tree of K8S_KUBE_VERSION. The committed
# generated/k8s-X.Y when there is one; otherwise a tree made here, while
# configuring, in the build folder: from the pinned spec (openapi/versions.txt,
# sha256-verified by openapi/fetch.sh, copied from K8S_OPENAPI_MIRROR or
# ../shared/openapi, else downloaded), by a k8sgen built from this source
# tree first. It has to be made while configuring because its CMakeLists.txt
# (which files, which libraries) is part of the build; a change to the
# generator, its templates or versions.txt configures, and so regenerates,
# again.
set(K8S_TREE_DIR ${PROJECT_SOURCE_DIR}/generated/k8s-${K8S_KUBE_VERSION})
if(EXISTS ${K8S_TREE_DIR}/CMakeLists.txt)
  return()
endif()

set(K8S_OPENAPI_MIRROR "$ENV{K8S_OPENAPI_MIRROR}" CACHE PATH
    "Folder with k8s-X.Y.json specs to use before downloading (default: K8S_SHARED_DIR/openapi)")
set(mirror ${K8S_OPENAPI_MIRROR})
if(NOT mirror AND IS_DIRECTORY ${K8S_SHARED_DIR}/openapi)
  set(mirror ${K8S_SHARED_DIR}/openapi)
endif()
set(work ${CMAKE_BINARY_DIR}/k8s-tree)
message(STATUS "No committed tree for Kubernetes ${K8S_KUBE_VERSION}: generating one in ${work}")

execute_process(COMMAND ${CMAKE_COMMAND} -E env K8S_OPENAPI_CACHE=${work}/openapi K8S_OPENAPI_MIRROR=${mirror}
                        bash ${PROJECT_SOURCE_DIR}/openapi/fetch.sh ${K8S_KUBE_VERSION}
                RESULT_VARIABLE rc OUTPUT_VARIABLE spec ERROR_VARIABLE fetch_err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(rc)
  message(FATAL_ERROR "K8S_KUBE_VERSION=${K8S_KUBE_VERSION}: there is no generated/k8s-${K8S_KUBE_VERSION} and "
          "its spec cannot be had:\n${fetch_err}\nPin the version in openapi/versions.txt, or put a copy named "
          "k8s-${K8S_KUBE_VERSION}.json in the folder K8S_OPENAPI_MIRROR names (now \"${mirror}\").")
endif()

# k8sgen, built from these sources on k8s::core alone
execute_process(COMMAND ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR}/cmake/k8sgen-bootstrap -B ${work}/k8sgen
                        -G ${CMAKE_GENERATOR} -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER} -DCMAKE_BUILD_TYPE=Release
                        -DK8S_SOURCE_DIR=${PROJECT_SOURCE_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${work}/k8sgen --target k8sgen --parallel 2
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
endif()
if(rc)
  message(FATAL_ERROR "building k8sgen to generate the Kubernetes ${K8S_KUBE_VERSION} tree failed:\n${out}")
endif()
execute_process(COMMAND ${work}/k8sgen/k8sgen --spec ${spec} --out ${work}/k8s-${K8S_KUBE_VERSION}
                        --k8s-version ${K8S_KUBE_VERSION}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc)
  message(FATAL_ERROR "k8sgen could not generate the Kubernetes ${K8S_KUBE_VERSION} tree:\n${out}")
endif()
message(STATUS "${out}")

file(GLOB generator_inputs ${PROJECT_SOURCE_DIR}/generator/* ${PROJECT_SOURCE_DIR}/templates/*)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${generator_inputs}
             ${PROJECT_SOURCE_DIR}/openapi/versions.txt
             ${PROJECT_SOURCE_DIR}/runtime/src/types.c) # the field hash behind the name indexes
set(K8S_TREE_DIR ${work}/k8s-${K8S_KUBE_VERSION})
