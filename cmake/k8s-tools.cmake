# k8s_tool(NAME "summary"): a command-line tool of the project, installed
# (K8S_INSTALL) to bin/ with a man page made from its --help (share/man/man1).
# Later tools install the same way: add_executable, then this one line.
function(k8s_tool name summary)
  if(NOT K8S_INSTALL)
    return()
  endif()
  set(page ${CMAKE_BINARY_DIR}/man/${name}.1)
  add_custom_command(OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:${name}> -DNAME=${name} "-DSUMMARY=${summary}"
            -DVERSION=${PROJECT_VERSION} -DOUT=${page} -P ${PROJECT_SOURCE_DIR}/cmake/k8s-man.cmake
    DEPENDS ${name} ${PROJECT_SOURCE_DIR}/cmake/k8s-man.cmake
    COMMENT "Man page of ${name} from its --help"
    VERBATIM)
  add_custom_target(${name}_man ALL DEPENDS ${page})
  if(BUILD_SHARED_LIBS) # the installed tool finds the installed libraries
    set_target_properties(${name} PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
  endif()
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()
