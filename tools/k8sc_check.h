/* k8sc check: what in a set of manifests breaks when the cluster moves to
 * another Kubernetes version (tools/k8sc_check.c). */
#ifndef K8SC_CHECK_H
#define K8SC_CHECK_H

#include <stdio.h>

/* `k8sc check ARGS...` (the arguments after "check"); returns the exit
 * status: 0 clean, 2 only deprecations or bad input, 3 removals. */
int k8sc_check(int argc, char **argv);

/* What k8sc check knows of the pinned Kubernetes versions, compiled in at
 * build time (k8sgen --knowledge; the format is in generator/knowledge.c).
 * Empty when the build lacked a verified spec of some pinned version:
 * k8sc_knowledge_missing then says which. */
extern const char k8sc_knowledge[];
extern const char k8sc_knowledge_missing[];

#endif
