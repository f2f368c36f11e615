#include "core/domain/eventcodec.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"
#include "core/domain/jobcodec.h"

namespace Baton::EventCodec {

using nlohmann::json;
using namespace JsonFields;

json toJson(const JobEvent &e)
{
    json j
        = { { "seq", e.seq }, { "at", JobCodec::timeToJson(e.atMs) }, { "type", toStd(JobEvent::typeToWire(e.type)) } };
    if (e.jobId > 0)
        j["job"] = e.jobId;
    switch (e.type) {
    case JobEvent::Type::JobCreated:
        if (e.job)
            j["snapshot"] = JobCodec::toJson(*e.job);
        break;
    case JobEvent::Type::JobState:
        j["state"] = toStd(toWire(e.jobState));
        j["counts"] = JobCodec::toJson(e.counts);
        j["halt_reason"] = toStd(e.haltReason);
        break;
    case JobEvent::Type::NodeState:
        j["node"] = toStd(e.node);
        j["state"] = toStd(toWire(e.nodeState));
        j["reason"] = toStd(e.reason);
        j["task"] = toStd(e.task);
        if (!e.wait.isEmpty())
            j["wait"] = JobCodec::toJson(e.wait);
        break;
    case JobEvent::Type::NodeTask:
        j["node"] = toStd(e.node);
        j["task"] = toStd(e.task);
        break;
    case JobEvent::Type::NodeLog:
        j["node"] = toStd(e.node);
        j["offset"] = e.offset;
        j["text"] = toStd(e.text);
        break;
    case JobEvent::Type::Resync:
        j["reason"] = toStd(e.reason);
        break;
    case JobEvent::Type::Heartbeat:
        break;
    }
    return j;
}

QByteArray toDataLine(const JobEvent &event)
{
    // error_handler::replace keeps a stray invalid UTF-8 byte in a log line from throwing.
    const std::string s = toJson(event).dump(-1, ' ', false, json::error_handler_t::replace);
    return QByteArray(s.data(), qsizetype(s.size()));
}

Result<JobEvent> fromJson(const json &j)
{
    if (!j.is_object())
        return fail(Error::Kind::Decode, QStringLiteral("event must be a JSON object"));
    JobEvent e;
    BATON_TRY(typeText, requireString(j, "type"));
    const auto type = JobEvent::typeFromWire(typeText);
    if (!type)
        return fail(Error::Kind::Decode, QStringLiteral("unknown event type \"%1\"").arg(typeText.left(40)));
    e.type = *type;
    BATON_TRY(seq, requireUInt(j, "seq"));
    e.seq = seq;
    BATON_TRY(at, JobCodec::timeFromJson(j, "at"));
    e.atMs = at;
    BATON_TRY(jobId, optionalInt(j, "job"));
    e.jobId = jobId.value_or(0);
    BATON_TRY(node, optionalString(j, "node"));
    e.node = node.value_or(QString());

    const bool needsJob = e.type != JobEvent::Type::Resync && e.type != JobEvent::Type::Heartbeat;
    if (needsJob && e.jobId <= 0)
        return fail(Error::Kind::Decode, QStringLiteral("%1 event without a job id").arg(typeText));
    const bool needsNode = e.type == JobEvent::Type::NodeState || e.type == JobEvent::Type::NodeTask
        || e.type == JobEvent::Type::NodeLog;
    if (needsNode && e.node.isEmpty())
        return fail(Error::Kind::Decode, QStringLiteral("%1 event without a node").arg(typeText));

    switch (e.type) {
    case JobEvent::Type::JobCreated: {
        BATON_TRY(snapshot, requireObject(j, "snapshot"));
        BATON_TRY(job, JobCodec::jobFromJson(*snapshot));
        e.job = std::move(job);
        break;
    }
    case JobEvent::Type::JobState: {
        BATON_TRY(stateText, requireString(j, "state"));
        const auto s = jobStateFromWire(stateText);
        if (!s)
            return fail(Error::Kind::Decode, QStringLiteral("unknown job state \"%1\"").arg(stateText.left(40)));
        e.jobState = *s;
        if (const auto it = j.find("counts"); it != j.end() && !it->is_null()) {
            BATON_TRY(counts, JobCodec::countsFromJson(*it));
            e.counts = counts;
        }
        BATON_TRY(halt, optionalString(j, "halt_reason"));
        e.haltReason = halt.value_or(QString());
        break;
    }
    case JobEvent::Type::NodeState: {
        BATON_TRY(stateText, requireString(j, "state"));
        const auto s = nodeRunStateFromWire(stateText);
        if (!s)
            return fail(Error::Kind::Decode, QStringLiteral("unknown node-run state \"%1\"").arg(stateText.left(40)));
        e.nodeState = *s;
        BATON_TRY(reason, optionalString(j, "reason"));
        e.reason = reason.value_or(QString());
        BATON_TRY(task, optionalString(j, "task"));
        e.task = task.value_or(QString());
        if (const auto it = j.find("wait"); it != j.end() && !it->is_null()) {
            BATON_TRY(wait, JobCodec::waitInfoFromJson(*it));
            e.wait = wait;
        }
        break;
    }
    case JobEvent::Type::NodeTask: {
        BATON_TRY(task, optionalString(j, "task"));
        e.task = task.value_or(QString());
        break;
    }
    case JobEvent::Type::NodeLog: {
        BATON_TRY(offset, requireInt(j, "offset"));
        if (offset < 0)
            return fail(Error::Kind::Decode, QStringLiteral("node.log offset is negative"));
        e.offset = offset;
        BATON_TRY(text, requireString(j, "text"));
        e.text = text;
        break;
    }
    case JobEvent::Type::Resync: {
        BATON_TRY(reason, optionalString(j, "reason"));
        e.reason = reason.value_or(QString());
        break;
    }
    case JobEvent::Type::Heartbeat:
        break;
    }
    return e;
}

Result<JobEvent> fromData(const QByteArray &data, const JsonLimits &limits)
{
    BATON_TRY(j, parseJsonBounded(data, limits));
    return fromJson(j);
}

} // namespace Baton::EventCodec
