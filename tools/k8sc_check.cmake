# k8sc check knows every pinned Kubernetes version (openapi/versions.txt):
# k8sgen --knowledge turns their verified specs into text compiled into k8sc,
# so k8sc needs no spec, libclang or network at run time. A spec is taken
# from $K8S_OPENAPI_MIRROR, K8S_SHARED_DIR/openapi or openapi/cache when its
# sha256 is the pinned one; without all of them k8sc check says what is
# missing and exits 2.
find_path(K8S_JSMN_INCLUDE jsmn.h)
if(NOT K8S_JSMN_INCLUDE)
  message(FATAL_ERROR "jsmn.h not found: install libjsmn-dev (k8sc check tokenizes manifests with it)")
endif()

set(K8S_VERSIONS_TXT ${PROJECT_SOURCE_DIR}/openapi/versions.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${K8S_VERSIONS_TXT})
file(STRINGS ${K8S_VERSIONS_TXT} k8s_pins REGEX "^[0-9]")
set(k8s_knowledge_args "")
set(k8s_knowledge_specs "")
set(k8s_knowledge_missing "")
foreach(pin IN LISTS k8s_pins)
  string(REGEX MATCH "^([^ \t]+)[ \t]+([0-9a-f]+)" matched "${pin}")
  set(version ${CMAKE_MATCH_1})
  set(sum ${CMAKE_MATCH_2})
  set(found "")
  foreach(dir "$ENV{K8S_OPENAPI_MIRROR}" "${K8S_SHARED_DIR}/openapi" "${PROJECT_SOURCE_DIR}/openapi/cache")
    if(NOT found AND NOT dir STREQUAL "" AND EXISTS "${dir}/k8s-${version}.json")
      file(SHA256 "${dir}/k8s-${version}.json" got)
      if(got STREQUAL sum)
        set(found "${dir}/k8s-${version}.json")
      endif()
    endif()
  endforeach()
  if(found)
    list(APPEND k8s_knowledge_args --spec ${found})
    list(APPEND k8s_knowledge_specs ${found})
  else()
    list(APPEND k8s_knowledge_missing ${version})
  endif()
endforeach()

set(k8s_knowledge_c ${CMAKE_CURRENT_BINARY_DIR}/k8sc_knowledge.c)
if(k8s_knowledge_missing OR NOT k8s_knowledge_specs)
  list(JOIN k8s_knowledge_missing " " missing)
  set(why "this k8sc was built without the specs of Kubernetes ${missing} (openapi/versions.txt pins them): run openapi/fetch.sh ${missing} (or point -DK8S_SHARED_DIR at a folder whose openapi/ has them), then cmake and build again")
  message(STATUS "k8sc check: no verified spec of Kubernetes ${missing}: k8sc check will say so and exit 2")
  file(CONFIGURE OUTPUT ${k8s_knowledge_c} CONTENT
       "/* Made by CMake: the specs were missing (tools/k8sc_check.cmake). */\n#include \"k8sc_check.h\"\n\nconst char k8sc_knowledge[] = \"\";\nconst char k8sc_knowledge_missing[] = \"@why@\";\n" @ONLY)
else()
  add_custom_command(OUTPUT ${k8s_knowledge_c}
                     COMMAND k8sgen --knowledge ${k8s_knowledge_c} ${k8s_knowledge_args}
                     DEPENDS k8sgen ${k8s_knowledge_specs} ${K8S_VERSIONS_TXT}
                     COMMENT "k8sc check: knowledge of the pinned Kubernetes versions"
                     VERBATIM)
endif()
target_sources(k8sc PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/k8sc_check.c ${k8s_knowledge_c})
target_include_directories(k8sc PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${K8S_JSMN_INCLUDE})
