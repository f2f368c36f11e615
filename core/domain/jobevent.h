#pragma once

#include "core/domain/job.h"

#include <optional>

#include <QString>

namespace Baton {

// One entry of GET /v1/events. `seq` comes from one global sequence, is the SSE `id:` and is what a client
// resumes from with Last-Event-ID. Which fields are meaningful depends on `type`.
struct JobEvent
{
    enum class Type
    {
        JobCreated, // job: the whole job as launched (with its nodes)
        JobState, // jobState, counts, haltReason
        NodeState, // node, nodeState, reason, wait (for waiting_for_slot), task
        NodeTask, // node, task: the current Ansible task changed
        NodeLog, // node, offset, text: output appended to the node's log
        Resync, // the client is behind the replay window: refetch /v1/jobs and resume from seq
        Heartbeat, // sent every 15 s without an id; seq is the newest sequence number
    };

    Type type = Type::Heartbeat;
    quint64 seq = 0;
    qint64 atMs = 0;
    qint64 jobId = 0;
    QString node;

    JobState jobState = JobState::Queued;
    NodeCounts counts;
    QString haltReason;

    NodeRunState nodeState = NodeRunState::Queued;
    QString reason;
    WaitInfo wait;
    QString task;

    qint64 offset = 0;
    QString text;

    std::optional<Job> job;

    static QString typeToWire(Type type); // "node.state"
    static std::optional<Type> typeFromWire(QStringView text);

    bool operator==(const JobEvent &) const = default;
};

} // namespace Baton
Q_DECLARE_METATYPE(Baton::JobEvent)
