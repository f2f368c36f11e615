#pragma once

#include "core/base/result.h"
#include "core/domain/job.h"

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrlQuery>

namespace Baton {

// Shapes of the job service API v1 that JobCodec does not cover: lists, pages, logs, cancel and relaunch bodies,
// error bodies. docs/openapi.yaml is the reference; decoders accept unknown fields so a newer service stays
// readable.

struct PlaybookInfo
{
    QString name;
    QString description;

    bool operator==(const PlaybookInfo &) const = default;
};

struct ServiceHealth
{
    QString status; // "ok" when healthy
    QString version;
};

// GET /v1/jobs filters; empty fields are not sent.
struct JobQuery
{
    QList<JobState> states;
    QString playbook;
    QString service;
    QString text;
    QString cursor; // from the previous page's nextCursor
    int limit = 500;

    QUrlQuery toUrlQuery() const;
    bool operator==(const JobQuery &) const = default;
};

struct JobPage
{
    QList<Job> jobs; // newest first
    QString nextCursor; // empty on the last page
    quint64 seq = 0; // the event sequence this page reflects, when the service says so
};

// A job with the event sequence number its snapshot reflects (the service's X-Baton-Event-Seq header; 0 when the
// service did not say): events at or below it are already in the snapshot.
struct JobSnapshot
{
    Job job;
    quint64 seq = 0;
};

struct LogChunk
{
    qint64 offset = 0; // where `text` starts in the node's log
    QByteArray text;
    qint64 size = 0; // the log's size on the service when answered
    bool complete = false; // the run has finished: nothing will be appended
};

// The three cancel levels of a node run. Dropping only applies to a node that has not started; a force kill ends
// a running ansible-playbook and either leaves the node in maintenance for inspection or releases it.
enum class NodeCancelMode
{
    Drop,
    ForceKeepMaintenance,
    ForceReleaseMaintenance
};
// Cancelling a whole job: gracefully (admit no new node, let runs in flight finish) or by force (kill every run in
// flight, keeping or releasing the maintenance of the nodes it kills).
enum class JobCancelMode
{
    Graceful,
    ForceKeepMaintenance,
    ForceReleaseMaintenance
};

namespace JobsApi {

Result<QList<PlaybookInfo>> decodePlaybooks(const QByteArray &body);
Result<JobPage> decodeJobPage(const QByteArray &body);
Result<Job> decodeJob(const QByteArray &body);
Result<ServiceHealth> decodeHealth(const QByteArray &body);
// A log answer: JSON {"offset","text","size","complete"} or, when the service answers text/plain, the raw bytes
// with the offset echoed from the request.
Result<LogChunk> decodeLog(const QByteArray &body, const QByteArray &contentType, qint64 requestedOffset);

nlohmann::json jobCancelBody(JobCancelMode mode);
nlohmann::json nodeCancelBody(NodeCancelMode mode);
nlohmann::json relaunchBody(const QStringList &nodes);

// The one-line message of an error answer: "message" or "error" (string or {"message"}) of a JSON body, else
// the first line of a text body, cut to a readable length. Empty if there is nothing readable.
QString errorMessage(const QByteArray &body);

QString describe(NodeCancelMode mode);
QString describe(JobCancelMode mode);

} // namespace JobsApi
} // namespace Baton
