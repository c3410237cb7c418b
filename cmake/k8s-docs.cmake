# `cmake --build build --target docs`: Doxygen's HTML of the public headers,
# the runtime's and the generated tree's (each header's text included, as its
# comments are the reference), in build/docs/html. Only when Doxygen is installed.
find_package(Doxygen QUIET)
if(NOT DOXYGEN_FOUND)
  return()
endif()
set(DOXYGEN_PROJECT_NAME "k8s-c")
set(DOXYGEN_PROJECT_NUMBER "${PROJECT_VERSION} (Kubernetes ${K8S_KUBE_VERSION})")
set(DOXYGEN_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/docs)
set(DOXYGEN_GENERATE_LATEX NO)
set(DOXYGEN_EXTRACT_ALL YES)
set(DOXYGEN_OPTIMIZE_OUTPUT_FOR_C YES)
set(DOXYGEN_TYPEDEF_HIDES_STRUCT NO)
set(DOXYGEN_VERBATIM_HEADERS YES)
set(DOXYGEN_SOURCE_BROWSER YES)
set(DOXYGEN_RECURSIVE YES)
set(DOXYGEN_FILE_PATTERNS *.h)
set(DOXYGEN_FULL_PATH_NAMES YES)
set(DOXYGEN_STRIP_FROM_PATH ${PROJECT_SOURCE_DIR}/runtime/include ${K8S_TREE_DIR}/include)
set(DOXYGEN_STRIP_FROM_INC_PATH ${PROJECT_SOURCE_DIR}/runtime/include ${K8S_TREE_DIR}/include)
set(DOXYGEN_QUIET YES)
set(DOXYGEN_WARNINGS NO) # descriptions are Kubernetes' own text, not Doxygen markup
set(DOXYGEN_WARN_IF_UNDOCUMENTED NO)
set(DOXYGEN_ENABLE_PREPROCESSING YES)
doxygen_add_docs(docs ${PROJECT_SOURCE_DIR}/runtime/include/k8s ${K8S_TREE_DIR}/include/k8s
                 COMMENT "Doxygen: the public and generated headers -> ${CMAKE_BINARY_DIR}/docs/html")
