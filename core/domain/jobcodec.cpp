#include "core/domain/jobcodec.h"

#include "core/base/jsonfields.h"
#include "core/base/timestamps.h"

namespace Baton::JobCodec {

using nlohmann::json;
using namespace JsonFields;

namespace {

Error withContext(const Error &e, const char *where)
{
    Error out = e;
    out.message = QStringLiteral("%1: %2").arg(QString::fromUtf8(where), e.message);
    return out;
}

} // namespace

json timeToJson(qint64 ms)
{
    if (ms <= 0)
        return nullptr;
    return toStd(Timestamps::toIso(ms));
}

Result<qint64> timeFromJson(const json &object, const char *key)
{
    BATON_TRY(text, optionalString(object, key));
    if (!text)
        return qint64(0);
    auto ms = Timestamps::fromIso(*text);
    if (!ms)
        return fail(withContext(ms.error(), key));
    // Baton's times start at the epoch and 0 means "not yet"; an earlier time could not be written back.
    if (*ms < 0)
        return fail(withContext(
            Error::make(Error::Kind::Decode, QStringLiteral("timestamp before 1970: \"%1\"").arg(text->left(64))),
            key));
    return *ms;
}

json toJson(const WaitInfo &wait)
{
    json offline = json::array();
    for (const OfflinePeer &p : wait.offline)
        offline.push_back({ { "node", toStd(p.node) }, { "reason", toStd(p.reason) } });
    json holders = json::array();
    for (const QString &h : wait.holders)
        holders.push_back(toStd(h));
    return { { "holders", holders }, { "offline", offline }, { "limit", wait.limit },
        { "max_offline", toStd(wait.maxOffline) } };
}

Result<WaitInfo> waitInfoFromJson(const json &j)
{
    if (!j.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("wait must be an object"));
    WaitInfo w;
    BATON_TRY(holders, optionalStringList(j, "holders"));
    w.holders = holders;
    if (const auto it = j.find("offline"); it != j.end() && !it->is_null()) {
        if (!it->is_array())
            return fail(Error::Kind::Decode, QStringLiteral("wait.offline must be an array"));
        for (const json &p : *it) {
            BATON_TRY(node, requireString(p, "node"));
            BATON_TRY(reason, optionalString(p, "reason"));
            w.offline.append({ node, reason.value_or(QString()) });
        }
    }
    BATON_TRY(limit, optionalInt(j, "limit"));
    w.limit = int(limit.value_or(-1));
    BATON_TRY(spec, optionalString(j, "max_offline"));
    w.maxOffline = spec.value_or(QString());
    return w;
}

json toJson(const NodeCounts &counts)
{
    json j = json::object();
    for (int i = 0; i < kNodeRunStateCount; ++i)
        j[toStd(toWire(NodeRunState(i)))] = counts.byState[std::size_t(i)];
    return j;
}

Result<NodeCounts> countsFromJson(const json &j)
{
    if (!j.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("counts must be an object"));
    NodeCounts c;
    for (int i = 0; i < kNodeRunStateCount; ++i) {
        const std::string key = toStd(toWire(NodeRunState(i)));
        BATON_TRY(n, optionalInt(j, key.c_str()));
        if (n.value_or(0) < 0 || n.value_or(0) > INT_MAX)
            return fail(Error::Kind::Decode, QStringLiteral("counts.%1 out of range").arg(toWire(NodeRunState(i))));
        c.byState[std::size_t(i)] = int(n.value_or(0));
    }
    return c;
}

json toJson(const NodeRun &run)
{
    json transitions = json::array();
    for (const StateTransition &t : run.transitions)
        transitions.push_back(
            { { "state", toStd(toWire(t.state)) }, { "at", timeToJson(t.atMs) }, { "reason", toStd(t.reason) } });
    json j = {
        { "node", toStd(run.node) },
        { "service", toStd(run.service) },
        { "address", toStd(run.address) },
        { "state", toStd(toWire(run.state)) },
        { "reason", toStd(run.reason) },
        { "task", toStd(run.task) },
        { "wait", run.wait.isEmpty() ? json(nullptr) : toJson(run.wait) },
        { "transitions", transitions },
        { "started_at", timeToJson(run.startedAtMs) },
        { "finished_at", timeToJson(run.finishedAtMs) },
        { "exit_code", run.exitCode ? json(*run.exitCode) : json(nullptr) },
        { "log_bytes", run.logBytes },
        { "maintenance_left_on", run.maintenanceLeftOn },
        { "last_event_at", timeToJson(run.lastEventAtMs) },
    };
    return j;
}

namespace {
Result<NodeRunState> stateField(const json &j, const char *key)
{
    BATON_TRY(text, requireString(j, key));
    const auto s = nodeRunStateFromWire(text);
    if (!s)
        return fail(Error::Kind::Decode, QStringLiteral("unknown node-run state \"%1\"").arg(text.left(40)));
    return *s;
}
} // namespace

Result<NodeRun> nodeRunFromJson(const json &j)
{
    if (!j.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("node run must be an object"));
    NodeRun r;
    BATON_TRY(node, requireString(j, "node"));
    r.node = node;
    BATON_TRY(service, optionalString(j, "service"));
    r.service = service.value_or(QString());
    BATON_TRY(address, optionalString(j, "address"));
    r.address = address.value_or(QString());
    BATON_TRY(state, stateField(j, "state"));
    r.state = state;
    BATON_TRY(reason, optionalString(j, "reason"));
    r.reason = reason.value_or(QString());
    BATON_TRY(task, optionalString(j, "task"));
    r.task = task.value_or(QString());
    if (const auto it = j.find("wait"); it != j.end() && !it->is_null()) {
        BATON_TRY(wait, waitInfoFromJson(*it));
        r.wait = wait;
    }
    if (const auto it = j.find("transitions"); it != j.end() && !it->is_null()) {
        if (!it->is_array())
            return fail(Error::Kind::Decode, QStringLiteral("transitions must be an array"));
        r.transitions.reserve(qsizetype(it->size()));
        for (const json &t : *it) {
            StateTransition st;
            BATON_TRY(s, stateField(t, "state"));
            st.state = s;
            BATON_TRY(at, timeFromJson(t, "at"));
            st.atMs = at;
            BATON_TRY(why, optionalString(t, "reason"));
            st.reason = why.value_or(QString());
            r.transitions.append(st);
        }
    }
    BATON_TRY(started, timeFromJson(j, "started_at"));
    r.startedAtMs = started;
    BATON_TRY(finished, timeFromJson(j, "finished_at"));
    r.finishedAtMs = finished;
    BATON_TRY(exitCode, optionalInt(j, "exit_code"));
    if (exitCode)
        r.exitCode = int(*exitCode);
    BATON_TRY(logBytes, optionalInt(j, "log_bytes"));
    r.logBytes = logBytes.value_or(0);
    BATON_TRY(left, optionalBool(j, "maintenance_left_on"));
    r.maintenanceLeftOn = left.value_or(false);
    BATON_TRY(lastEvent, timeFromJson(j, "last_event_at"));
    r.lastEventAtMs = lastEvent;
    return r;
}

json toJson(const JobSpec &spec)
{
    json nodes = json::array();
    for (const QString &n : spec.target.nodes)
        nodes.push_back(toStd(n));
    return {
        { "playbook", toStd(spec.playbook) },
        { "target",
            { { "service", toStd(spec.target.service) }, { "tag", toStd(spec.target.tag) }, { "nodes", nodes } } },
        { "extra_vars", spec.extraVars },
        { "check_mode", spec.checkMode },
        { "timeout_s", spec.timeoutS },
        { "node_timeout_s", spec.nodeTimeoutS },
        { "halt_on_failure", spec.haltOnFailure },
        { "override_freeze", spec.overrideFreeze },
    };
}

Result<JobSpec> jobSpecFromJson(const json &j)
{
    if (!j.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("the job must be a JSON object"));
    JobSpec s;
    BATON_TRY(playbook, requireString(j, "playbook"));
    s.playbook = playbook;
    BATON_TRY(target, requireObject(j, "target"));
    BATON_TRY(service, optionalString(*target, "service"));
    s.target.service = service.value_or(QString());
    BATON_TRY(tag, optionalString(*target, "tag"));
    s.target.tag = tag.value_or(QString());
    BATON_TRY(nodes, optionalStringList(*target, "nodes"));
    s.target.nodes = nodes;
    if (const auto it = j.find("extra_vars"); it != j.end() && !it->is_null()) {
        if (!it->is_object())
            return fail(Error::Kind::Decode, QStringLiteral("field \"extra_vars\" must be an object"));
        s.extraVars = *it;
    }
    BATON_TRY(check, optionalBool(j, "check_mode"));
    s.checkMode = check.value_or(false);
    BATON_TRY(timeout, optionalInt(j, "timeout_s"));
    if (timeout) {
        if (*timeout <= 0 || *timeout > 7 * 24 * 3600)
            return fail(Error::Kind::Decode, QStringLiteral("timeout_s must be between 1 and 604800"));
        s.timeoutS = int(*timeout);
    }
    BATON_TRY(nodeTimeout, optionalInt(j, "node_timeout_s"));
    if (nodeTimeout) {
        if (*nodeTimeout <= 0 || *nodeTimeout > 7 * 24 * 3600)
            return fail(Error::Kind::Decode, QStringLiteral("node_timeout_s must be between 1 and 604800"));
        s.nodeTimeoutS = int(*nodeTimeout);
    }
    BATON_TRY(halt, optionalBool(j, "halt_on_failure"));
    s.haltOnFailure = halt.value_or(true);
    BATON_TRY(overrideFreeze, optionalBool(j, "override_freeze"));
    s.overrideFreeze = overrideFreeze.value_or(false);
    return s;
}

json toJson(const Job &job, NodeDetail detail)
{
    json j = toJson(job.spec);
    j["id"] = job.id;
    j["operator"] = toStd(job.operatorName);
    j["state"] = toStd(toWire(job.state));
    j["halt_reason"] = toStd(job.haltReason);
    j["created_at"] = timeToJson(job.createdAtMs);
    j["started_at"] = timeToJson(job.startedAtMs);
    j["finished_at"] = timeToJson(job.finishedAtMs);
    if (job.cancel) {
        j["cancel"] = { { "mode", job.cancel->mode == CancelRequest::Mode::Force ? "force" : "graceful" },
            { "by", toStd(job.cancel->by) }, { "at", timeToJson(job.cancel->atMs) } };
    } else {
        j["cancel"] = nullptr;
    }
    j["relaunch_of"] = job.relaunchOf > 0 ? json(job.relaunchOf) : json(nullptr);
    j["counts"] = toJson(job.counts);
    j["summary"] = toStd(job.counts.summary());
    if (detail == NodeDetail::WithNodes) {
        json nodes = json::array();
        for (const NodeRun &r : job.nodes)
            nodes.push_back(toJson(r));
        j["nodes"] = std::move(nodes);
    }
    return j;
}

Result<Job> jobFromJson(const json &j)
{
    BATON_TRY(spec, jobSpecFromJson(j));
    Job job;
    job.spec = std::move(spec);
    BATON_TRY(id, requireInt(j, "id"));
    job.id = id;
    BATON_TRY(op, optionalString(j, "operator"));
    job.operatorName = op.value_or(QString());
    BATON_TRY(stateText, requireString(j, "state"));
    const auto state = jobStateFromWire(stateText);
    if (!state)
        return fail(Error::Kind::Decode, QStringLiteral("unknown job state \"%1\"").arg(stateText.left(40)));
    job.state = *state;
    BATON_TRY(halt, optionalString(j, "halt_reason"));
    job.haltReason = halt.value_or(QString());
    BATON_TRY(created, timeFromJson(j, "created_at"));
    job.createdAtMs = created;
    BATON_TRY(started, timeFromJson(j, "started_at"));
    job.startedAtMs = started;
    BATON_TRY(finished, timeFromJson(j, "finished_at"));
    job.finishedAtMs = finished;
    if (const auto it = j.find("cancel"); it != j.end() && !it->is_null()) {
        CancelRequest c;
        BATON_TRY(mode, requireString(*it, "mode"));
        if (mode == u"force")
            c.mode = CancelRequest::Mode::Force;
        else if (mode == u"graceful")
            c.mode = CancelRequest::Mode::Graceful;
        else
            return fail(Error::Kind::Decode, QStringLiteral("unknown cancel mode \"%1\"").arg(mode.left(40)));
        BATON_TRY(by, optionalString(*it, "by"));
        c.by = by.value_or(QString());
        BATON_TRY(at, timeFromJson(*it, "at"));
        c.atMs = at;
        job.cancel = c;
    }
    BATON_TRY(relaunchOf, optionalInt(j, "relaunch_of"));
    job.relaunchOf = relaunchOf.value_or(0);
    if (const auto it = j.find("nodes"); it != j.end() && !it->is_null()) {
        if (!it->is_array())
            return fail(Error::Kind::Decode, QStringLiteral("nodes must be an array"));
        job.nodes.reserve(qsizetype(it->size()));
        for (const json &n : *it) {
            BATON_TRY(run, nodeRunFromJson(n));
            job.nodes.append(std::move(run));
        }
    }
    if (const auto it = j.find("counts"); it != j.end() && !it->is_null()) {
        BATON_TRY(counts, countsFromJson(*it));
        job.counts = counts;
    } else {
        job.counts = job.countNodes();
    }
    return job;
}

} // namespace Baton::JobCodec
