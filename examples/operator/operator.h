/* The ConfigMapSync controller: copies a source ConfigMap into the target
 * namespaces each ConfigMapSync names, owns the copies, reports status
 * conditions and Events, and cleans up behind a finalizer. */
#ifndef OPERATOR_H
#define OPERATOR_H

#include <k8s/api.h>
#include <k8s/controller.h>
#include <k8s/events.h>

#define CMS_FINALIZER "sync.example.com/cleanup"
#define CMS_OWNER_LABEL "sync.example.com/owner"
#define CMS_MANAGER "configmapsync" /* the field manager of what it applies */

typedef struct operator {
    k8s_client *client;
    k8s_event_recorder *events;
    k8s_controller *controller;
    int workers;
} operator;

/* Starts the controller (its caches, then its workers). */
k8s_code operator_start(operator *op);
/* Stops it and waits for the reconciles under way. */
void operator_stop(operator *op);

#endif
