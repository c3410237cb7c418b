/* The C API that a tree made from this model declares, as the records of
 * tools/apimodel.h: what `k8sgen --dump-model` prints and what
 * `--previous` diffs. It must list exactly what the libclang tools read back
 * from the tree's headers (the apidiff_crosscheck test holds the two to
 * that), so it is built from the same helpers that write the headers. */
#include "apimodel.h"
#include "k8sgen.h"

static const char *pkg_name(const model *m, const gpkg *p)
{
    return *p->version ? arena_printf(m->arena, "%s/%s", p->group, p->version) : p->group;
}

static void add_type(apimodel *am, const model *m, const char *pkg, const gtype *t)
{
    apimodel_add(am, AM_STRUCT, pkg, "", t->c_name, "", "", t->deprecated);
    apimodel_add(am, AM_VARIABLE, pkg, "", arena_printf(m->arena, "%s_desc", t->c_name), "const k8s_type", "", "");
    for (size_t i = 0; i < t->nfields; i++) {
        cmember mem[3];
        size_t n = field_members(m, &t->fields[i], mem);
        for (size_t k = 0; k < n; k++)
            apimodel_add(am, AM_MEMBER, pkg, t->c_name, mem[k].name, mem[k].type, "", t->fields[i].deprecated);
    }
    if (t->role == ROLE_OBJECT)
        apimodel_add(am, AM_MEMBER, pkg, t->c_name, "_unknown", "char *", "", "");
    if (t->map_value) {
        const char *entry = arena_printf(m->arena, "%s_entry", t->c_name);
        apimodel_add(am, AM_STRUCT, pkg, "", entry, "", "", "");
        apimodel_add(am, AM_MEMBER, pkg, entry, "key", "char *", "", "");
        apimodel_add(am, AM_MEMBER, pkg, entry, "value", t->c_name, "", "");
        apimodel_add(am, AM_VARIABLE, pkg, "", arena_printf(m->arena, "%s_desc", entry), "const k8s_type", "", "");
    }
}

static void add_resource(apimodel *am, const model *m, const char *pkg, const gres *r)
{
    apimodel_add(am, AM_VARIABLE, pkg, "", r->c_name, "const k8s_resource", "", "");
    for (size_t o = 0; o < r->nops; o++) {
        const gop *op = &r->ops[o];
        const char *params, *async_params, *args;
        op_prototypes(m, r, op, &params, &async_params, &args);
        apimodel_add(am, AM_FUNCTION, pkg, "", op->fn, "k8s_code", params, op->deprecated);
        apimodel_add(am, AM_FUNCTION, pkg, "", arena_printf(m->arena, "%s_async", op->fn), "k8s_code", async_params,
                     op->deprecated);
    }
}

struct apimodel *api_model_of(const model *m)
{
    apimodel *am = apimodel_new();
    for (size_t i = 0; i < m->npkgs; i++) {
        const gpkg *p = &m->pkgs[i];
        if (!p->ntypes)
            continue;
        const char *pkg = pkg_name(m, p);
        for (size_t t = 0; t < p->ntypes; t++)
            add_type(am, m, pkg, p->types[t]);
        for (size_t r = 0; r < p->nresources; r++)
            add_resource(am, m, pkg, p->resources[r]);
    }
    size_t n;
    kind_row *rows = registry_rows(m, &n);
    for (size_t i = 0; i < n; i++) {
        const char *res = rows[i].resource;
        apimodel_add(am, AM_KIND, pkg_name(m, rows[i].type->pkg), rows[i].api_version, rows[i].kind,
                     rows[i].c_name, res[0] == '&' ? res + 1 : "", "");
    }
    apimodel_add(am, AM_VARIABLE, "api", "", "k8s_api_registry", "const k8s_registry", "", "");
    if (has_partial_metadata(m)) { /* declared in templates/api.h.tmpl */
        const char *head = "k8s_client *client, k8s_arena *arena, const k8s_resource *resource, const char *namespace_";
        apimodel_add(am, AM_FUNCTION, "api", "", "k8s_metadata_get", "k8s_code",
                     arena_printf(m->arena, "%s, const char *name, k8s_meta_v1_partial_object_metadata **out, "
                                            "k8s_error *err", head), "");
        apimodel_add(am, AM_FUNCTION, "api", "", "k8s_metadata_list", "k8s_code",
                     arena_printf(m->arena, "%s, const k8s_list_options *opts, "
                                            "k8s_meta_v1_partial_object_metadata_list **out, k8s_error *err", head), "");
    }
    apimodel_add(am, AM_MACRO, "api", "", "K8S_API_VERSION", c_string(m->arena, m->k8s_version), "", "");
    apimodel_add(am, AM_MACRO, "api", "", "K8S_API_SPEC_SHA256", c_string(m->arena, m->sha256), "", "");
    apimodel_add(am, AM_MACRO, "api", "", "K8S_API_LAYOUT", arena_printf(m->arena, "%d", K8SGEN_LAYOUT), "", "");
    apimodel_finish(am);
    return am;
}
