#pragma once

#include "core/base/result.h"
#include "core/domain/job.h"
#include "service/runner/noderunner.h"

#include <nlohmann/json.hpp>

#include <QProcessEnvironment>
#include <QString>

namespace Baton {

struct RunnerSettings
{
    QString ansiblePlaybook = QStringLiteral("ansible-playbook");
    QString collectionsPath; // prepended to ANSIBLE_COLLECTIONS_PATH
    QString workRoot; // per-run folders with the inventory and extra-vars files
    QString kvPrefix = QStringLiteral("baton/");
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
};

struct InvocationTarget
{
    qint64 jobId = 0;
    QString operatorName;
    QString node;
    QString address;
    QString service;
    QString playbookPath;
    bool checkMode = false;
    nlohmann::json nodeVars = nlohmann::json::object(); // node-vars file entries and node meta, merged
    nlohmann::json jobVars = nlohmann::json::object(); // the job's extra_vars
    nlohmann::json extraBaton = nlohmann::json::object(); // more baton_* vars (the release's service list)
};

// Builds one runner's command: a folder with inventory.json (the node, its ansible_host and connection vars)
// and vars.json (passed as -e @vars.json: node vars, then the job's extra vars, then the reserved baton_*
// vars of the gate contract), and the environment that enables the events callback.
class AnsibleInvocation
{
public:
    // Resolution order of the node's agent: node vars (file), node meta, http://<address>:8500.
    static QString consulAddressFor(const nlohmann::json &nodeVars, const QString &address);
    static Result<RunnerCommand> prepare(const RunnerSettings &settings, const InvocationTarget &target);
    static bool isValidNodeName(const QString &node);
};

} // namespace Baton
