# Writes OUT, a man page for the tool TOOL (NAME, SUMMARY, VERSION): its
# --help text under NAME and DESCRIPTION. Run by cmake -P at build time.
execute_process(COMMAND ${TOOL} --help RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "${NAME} --help failed (${rc}): ${err}")
endif()
string(REPLACE "\\" "\\e" text "${text}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}") # a line may not start a request
string(TOUPPER ${NAME} upper)
file(WRITE ${OUT} ".TH ${upper} 1 \"\" \"k8s-c ${VERSION}\" \"User Commands\"\n"
                  ".SH NAME\n${NAME} \\- ${SUMMARY}\n"
                  ".SH DESCRIPTION\n.nf\n${text}.fi\n")
