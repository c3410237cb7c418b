/* k8sgen: the model (IR) built from one OpenAPI spec, and the stages that
 * make and render it. Data flows spec -> model -> templates -> files. */
#ifndef K8SGEN_H
#define K8SGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/types.h"

typedef struct gtype gtype;
typedef struct gpkg gpkg;
typedef struct gres gres;

/* A named constant for one value of an enum (custom resources). */
typedef struct gconst {
    const char *name;  /* "K8S_..._PATH_TYPE_EXACT" */
    const char *value; /* C literal: "\"Exact\"", "3" */
} gconst;

typedef struct gfield {
    const char *json;   /* JSON name */
    const char *member; /* C member name */
    const char *doc;    /* the description, or NULL */
    const char *deprecated; /* the spec's deprecation notice, or NULL */
    uint8_t kind;       /* k8s_kind */
    bool array;         /* for MAP: the value is an array */
    bool required;
    gtype *ref;         /* OBJECT/UNION (and MAP of them): the type; MAP: or its ROLE_ENTRY type */
    uint8_t value_kind; /* MAP: kind of the values */
    /* what a structural schema adds (custom resources; the OpenAPI spec front end leaves them 0) */
    bool nullable;              /* `bool null_<member>` marks an explicit null */
    uint8_t list_type;          /* 0, or 1 atomic, 2 set, 3 map (K8S_FIELD_LIST_* / 32) */
    bool map_atomic;            /* x-kubernetes-map-type: atomic */
    const char **list_map_keys; /* NULL-terminated */
    gconst *consts;           /* enum values */
    size_t nconsts;
} gfield;

typedef enum role {
    ROLE_OBJECT,  /* a generated struct */
    ROLE_UNION,   /* a generated struct whose member depends on the JSON type */
    ROLE_SCALAR,  /* a special definition stored as text (Quantity, Time, ...) */
    ROLE_BUILTIN, /* a runtime struct (IntOrString) */
    ROLE_ENTRY    /* a generated map entry {key, value}, for values the runtime has no entry for */
} role;

typedef struct gvk {
    const char *group, *version, *kind;
} gvk;

struct gtype {
    const char *def;    /* definition name, "io.k8s.api.core.v1.Pod" */
    const char *name;   /* last segment, "Pod" */
    const char *c_name; /* "k8s_core_v1_pod"; for ROLE_BUILTIN the runtime's name */
    const char *doc;
    const char *deprecated; /* the spec's deprecation notice, or NULL */
    gpkg *pkg;
    role role;
    uint8_t scalar_kind; /* ROLE_SCALAR */
    gfield *fields;
    size_t nfields;
    gvk *gvks;
    size_t ngvks;
    bool map_value; /* some map holds it: emit an entry type */
    bool preserve_unknown; /* x-kubernetes-preserve-unknown-fields: fields it lacks are data too */
    gres *resource; /* the REST resource whose kind it is, if any */
    int mark;       /* ordering state while emitting */
};

/* One operation of a resource: a typed function and its async twin. */
typedef struct gop {
    const char *fn;          /* "k8s_core_v1_pod_status_get" */
    const char *verb;        /* "K8S_VERB_GET" */
    const char *subresource; /* NULL, "status", ... */
    const char *options;     /* "k8s_get_options", ... */
    gtype *body;             /* typed request body, or NULL */
    bool text_body;          /* a patch: text */
    gtype *result;           /* NULL: a text reply */
    const char *result_kind;
    bool named, list_selector; /* takes a name; takes list options as selector (deletecollection) */
    const char *doc;         /* "PUT /apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale" */
    const char *deprecated;  /* the deprecation notice of its kind, or NULL */
} gop;

/* A REST resource (a plural under a group/version), with its operations. */
struct gres {
    const char *group, *version, *plural, *kind;
    bool namespaced;
    gtype *type, *list_type;
    const char *c_name; /* "k8s_core_v1_pod_resource" */
    gop *ops;
    size_t nops;
};

struct gpkg {
    const char *path;    /* "io.k8s.api.core.v1" */
    const char *group;   /* "core" */
    const char *version; /* "v1", or "" for an unversioned package */
    const char *id;      /* "core_v1": source name and C prefix stem */
    const char *header;  /* "k8s/core/v1.h": types, descriptors, resources */
    const char *api_header; /* "k8s/core/v1_api.h": the typed calls */
    gtype **types;       /* generated ones, by C name */
    size_t ntypes;
    gpkg **deps; /* packages whose types header the types header includes */
    size_t ndeps;
    gpkg **api_deps; /* and those the calls header includes (bodies, replies) */
    size_t napi_deps;
    gres **resources; /* whose kinds are in this package, by plural */
    size_t nresources;
};

typedef struct model {
    k8s_arena *arena;
    const char *spec_name;   /* file name, for messages */
    const char *sha256;      /* hex digest of the spec bytes */
    const char *k8s_version; /* "1.35" */
    /* A tree of custom resources (crd.c) has a name: target k8s_<name>,
     * header k8s/<name>.h, registry k8s_<name>_registry. NULL: the tree of
     * a Kubernetes version. */
    const char *tree_name;
    const char *source; /* for the banner: "3 CustomResourceDefinitions" */
    gtype *types;            /* every definition, by definition name */
    size_t ntypes;
    gpkg *pkgs; /* by id */
    size_t npkgs;
    int problems; /* reported by model_problem */
} model;

/* spec.c: reads the spec and builds the model. Errors are printed to stderr
 * with the definition they concern; returns false on any. */
bool model_load(model *m, const char *spec_path, const char *k8s_version);

/* ops.c: resources and operations from the spec's paths. */
bool model_load_ops(model *m, const cJSON *root);
/* Reports a problem in the spec, prefixed with its name, and counts it in
 * m->problems. */
__attribute__((format(printf, 2, 3))) void model_problem(model *m, const char *fmt, ...);
/* Whether the JSON array arr holds the string s. */
bool json_array_has(const cJSON *arr, const char *s);
/* Puts t's kind, apiVersion and metadata fields first, in that order. */
void model_lead_with_type_meta(gtype *t);
/* Adds dep to the list (*deps, *n) of packages p's header includes (p's
 * deps: its types header; api_deps: its calls header); nothing when dep is p. */
void model_add_dep(model *m, const gpkg *p, gpkg ***deps, size_t *n, gpkg *dep);
/* The definition that claims group/version/kind, or NULL. */
gtype *model_type_for_gvk(const model *m, const char *group, const char *version, const char *kind);

/* crd.c: builds the model from CustomResourceDefinitions (crd_input.c
 * reads them). Problems are printed to stderr naming the CRD, version and
 * schema path; returns false on any. */
typedef struct crd_doc {
    cJSON *json;        /* the CRD object */
    const char *origin; /* "file.yaml, document 2", for messages */
} crd_doc;

typedef struct crd_map {
    const char *group, *version; /* NULL: any */
    const char *kind;
    const char *path;  /* "spec.template" */
    const char *type;  /* "core/v1.PodTemplateSpec" or "io.k8s.api.core.v1.PodTemplateSpec" */
    const char *arg;   /* as given, for messages */
    int used;
} crd_map;

typedef struct crd_options {
    const char *name;         /* tree name, C-safe */
    crd_map *maps;            /* --map */
    size_t nmaps;
} crd_options;

bool crd_build_model(model *m, crd_doc *docs, size_t ndocs, const crd_options *opts);

/* crd_input.c: CRD documents from files, folders, "-" (stdin) or a
 * cluster. Documents that are not CRDs are skipped with a note. */
typedef struct crd_input {
    k8s_arena *arena;
    crd_doc *docs;
    size_t ndocs, cap;
    int errors;
} crd_input;

bool crd_input_path(crd_input *in, const char *path);
/* GROUP or GROUP/VERSION: that group's CRDs (only VERSION when given) as
 * the current kubeconfig's cluster serves them. */
bool crd_input_cluster(crd_input *in, const char *const *groups, size_t ngroups);
void crd_input_free(crd_input *in);
/* sha256 (hex) over the CRDs, sorted by name, and the --map options. */
const char *crd_input_sha256(k8s_arena *a, crd_doc *docs, size_t ndocs, const crd_options *opts);

/* names.c */
const char *snake_case(k8s_arena *a, const char *camel);
const char *member_name(k8s_arena *a, const char *json);
const char *first_sentence(k8s_arena *a, const char *description);
const char *deprecation_notice(k8s_arena *a, const char *description);
const char *c_string(k8s_arena *a, const char *s);
/* A description as a C comment block, wrapped to 100 columns with `indent`
 * spaces before each line; line breaks and paragraphs kept. NULL for none. */
const char *doc_comment(k8s_arena *a, const char *description, int indent);
char *arena_printf(k8s_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* overrides.c: the one place that knows about special definitions and
 * known mistakes in the upstream spec. */
typedef struct union_member {
    const char *name;
    uint8_t kind;
    bool array;
    const char *ref; /* definition name for OBJECT members */
} union_member;

typedef struct special_def {
    const char *def;
    role role;
    uint8_t scalar_kind;            /* ROLE_SCALAR */
    const char *c_name;             /* ROLE_BUILTIN: runtime type */
    const union_member *members;    /* ROLE_UNION, ends with {NULL} */
} special_def;

const special_def *override_special(const char *def);
/* Definitions to add when the spec lacks them, as a JSON object. */
const char *override_extra_definitions(void);
/* True when the spec marks def.property required but servers omit it. */
bool override_not_required(const char *def, const char *property);

/* render.c: a tiny mustache subset: {{name}}, {{#list}}..{{/list}},
 * {{^name}}..{{/name}}. A tag alone on its line takes the line with it. */
typedef struct tctx tctx;
tctx *tctx_new(k8s_arena *a, const tctx *parent);
void tctx_set(tctx *c, const char *key, const char *value);
void tctx_setf(tctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Appends an item to the list `key` and returns it (its parent is c). */
tctx *tctx_push(tctx *c, const char *key);
bool render(const char *template_name, const tctx *c, k8s_buf *out);

/* templates.c (made at build time from templates/): NULL when unknown. */
const char *template_text(const char *name);

/* emit.c: renders the tree into out_dir; changes (markdown, or NULL) goes
 * into its README. */
bool emit_tree(const model *m, const char *out_dir, const char *changes);

/* The C members a field is declared as: `bool has_x; int32_t x;`,
 * `T *x; size_t x_len;`, or one. Returns how many (1 or 2). */
typedef struct cmember {
    const char *type, *name;
} cmember;
size_t field_members(const model *m, const gfield *f, cmember out[3]);
/* The parameter lists of an operation's function and its async twin. */
void op_prototypes(const model *m, const gres *r, const gop *op, const char **params, const char **async_params,
               const char **args);
/* The rows of the kind registry, sorted by apiVersion and kind. */
typedef struct kind_row {
    const char *api_version, *kind, *c_name, *def, *resource; /* resource: "&X_resource" or "NULL" */
    const gtype *type;
} kind_row;
kind_row *registry_rows(const model *m, size_t *n);
/* Whether the spec has PartialObjectMetadata: k8s/api.h then declares
 * k8s_metadata_get and k8s_metadata_list. */
bool has_partial_metadata(const model *m);
/* The layout of a tree that the version tools read (K8S_API_LAYOUT). */
#define K8SGEN_LAYOUT 2 /* 2: calls in k8s/<group>/<version>_api.h, K8S_API_* in k8s/api_types.h */

/* knowledge.c: what `k8sc check` knows of this version (kinds, the shape of
 * every definition, deprecation notices), as text; knowledge_write_c wraps
 * the texts of several versions into a C source for k8sc. */
bool knowledge_write(const model *m, FILE *out);
bool knowledge_write_c(const char *const *texts, size_t n, FILE *out);

/* apimodel_gen.c: the C API a tree of this model declares (tools/apimodel.h). */
struct apimodel;
struct apimodel *api_model_of(const model *m);

/* output.c: the tree is written into a fresh folder beside DIR, and moves
 * into DIR only when it is whole: files whose bytes changed are replaced,
 * files an earlier run generated and this one did not are removed, other
 * files are left alone. */
const char *output_begin(k8s_arena *a, const char *out_dir);
bool output_mkdirs(const char *path);
bool output_commit(const char *tmp_dir, const char *out_dir);
void output_abandon(const char *tmp_dir);

#endif
