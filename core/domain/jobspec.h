#pragma once

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

namespace Baton {

// What to run and where: the body of POST /v1/jobs.
struct JobTarget
{
    QString service; // resolve instances from the Consul catalog…
    QString tag; // …optionally only those with this tag
    QStringList nodes; // or an explicit node list (then service may name their service or be empty)

    bool operator==(const JobTarget &) const = default;
};

struct JobSpec
{
    QString playbook; // a name from GET /v1/playbooks
    JobTarget target;
    nlohmann::json extraVars = nlohmann::json::object();
    bool checkMode = false;
    int timeoutS = 3600; // whole job
    int nodeTimeoutS = 1800; // one node's run, waiting included
    bool haltOnFailure = true; // a failed node stops admission of nodes that have not entered maintenance
    bool overrideFreeze = false; // launch even though the service's max_offline is 0

    bool operator==(const JobSpec &) const = default;
};

} // namespace Baton
