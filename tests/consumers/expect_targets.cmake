# The targets every way of consuming k8s-c gives; include()d after getting it.
foreach(target k8s::core k8s::client k8s::controller k8s::api_types k8s::api)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "${PROJECT_NAME}: no target ${target}")
  endif()
endforeach()
