/* What the control layer's modules (object, events) share. Private. */
#ifndef K8S_CONTROL_INTERNAL_H
#define K8S_CONTROL_INTERNAL_H

#include <stdbool.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/client.h"

/* Appends "name":"value" (value quoted and escaped; NULL as ""), with a
 * comma in front unless first. */
k8s_code k8s_json_member(k8s_buf *b, bool first, const char *name, const char *value);

/* "group/version", or "version" for the core group, in arena. */
char *k8s_api_version_of(const k8s_resource *r, k8s_arena *arena);

#endif
