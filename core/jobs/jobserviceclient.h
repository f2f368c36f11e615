#pragma once

#include "core/base/result.h"
#include "core/domain/job.h"
#include "core/jobs/jobsapi.h"

#include <functional>

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace Baton {

struct JobServiceConfig
{
    QUrl baseUrl; // http(s)://host:port, optionally with a path prefix
    QByteArray token; // sent as "Authorization: Bearer …"; never logged
    QString caFile; // PEM; empty keeps the system trust store
    int transferTimeoutMs = 15000; // no byte for this long: the request fails
    int deadlineMs = 60000; // a request never takes longer than this, however slowly a server trickles bytes
    qint64 maxBodyBytes = 64 * 1024 * 1024;
};

// Client of the job service REST API v1. Every call is asynchronous and ends in exactly one callback with a
// Result: errors are values an operator can read (401/403 become plain sentences, a refused connection names the
// address). Callbacks run on the client's thread and are skipped if `context` was destroyed meanwhile.
// The client owns its QNetworkAccessManager, separate from the event stream's, so REST calls never queue behind
// the long-lived stream connection.
class JobServiceClient : public QObject
{
    Q_OBJECT

public:
    template<typename T> using Callback = std::function<void(Result<T>)>;

    explicit JobServiceClient(QObject *parent = nullptr);
    ~JobServiceClient() override;

    // Applies a profile. Requests in flight under the previous configuration end with a Cancelled error.
    Result<void> configure(const JobServiceConfig &config);
    const JobServiceConfig &config() const { return m_config; }
    bool isConfigured() const { return m_config.baseUrl.isValid() && !m_config.baseUrl.isEmpty(); }

    void health(QObject *context, Callback<ServiceHealth> done);
    void playbooks(QObject *context, Callback<QList<PlaybookInfo>> done);
    void listJobs(const JobQuery &query, QObject *context, Callback<JobPage> done);
    void job(qint64 id, QObject *context, Callback<Job> done);
    // The job plus the event sequence it reflects, for a consumer that also follows the event stream.
    void jobSnapshot(qint64 id, QObject *context, Callback<JobSnapshot> done);
    // POST /v1/jobs with an Idempotency-Key, so a retried launch (timeout, lost answer) never starts twice.
    void launch(const JobSpec &spec, const QString &idempotencyKey, QObject *context, Callback<Job> done);
    void cancelJob(qint64 id, JobCancelMode mode, QObject *context, Callback<Job> done);
    void cancelNode(qint64 id, const QString &node, NodeCancelMode mode, QObject *context, Callback<Job> done);
    void relaunch(qint64 id, const QStringList &nodes, QObject *context, Callback<Job> done);
    void nodeLog(qint64 id, const QString &node, qint64 offset, QObject *context, Callback<LogChunk> done);
    void releaseNode(const QString &node, QObject *context, Callback<bool> done);

    int requestsInFlight() const { return int(m_inFlight.size()); }
    // Aborts every request in flight; their callbacks receive a Cancelled error.
    void abortAll();

Q_SIGNALS:
    // Every finished request, for the connection status: how long it took and whether the service answered
    // sensibly. An HTTP error from a reachable service (404, 409) still counts as reachable.
    void requestFinished(const QString &what, qint64 latencyMs, bool reachable, const Baton::Error &error);

private:
    struct Raw
    {
        int status = 0;
        QByteArray body;
        QByteArray contentType;
        quint64 eventSeq = 0; // X-Baton-Event-Seq
    };
    using RawCallback = std::function<void(Result<Raw>)>;

    QNetworkReply *send(const QByteArray &verb, const QString &path, const QUrlQuery &query, const QByteArray &body,
        const QList<QPair<QByteArray, QByteArray>> &extraHeaders, const QString &what, QObject *context,
        RawCallback done);
    Error errorFor(QNetworkReply *reply, int status, const QByteArray &body, const QString &what) const;
    template<typename T>
    void sendJson(const QByteArray &verb, const QString &path, const QUrlQuery &query, const QByteArray &body,
        const QList<QPair<QByteArray, QByteArray>> &headers, const QString &what, QObject *context, Callback<T> done,
        std::function<Result<T>(const Raw &)> decode);

    QNetworkAccessManager *m_nam;
    JobServiceConfig m_config;
    QSslConfiguration m_ssl;
    quint64 m_generation = 0;
    QHash<QNetworkReply *, quint64> m_inFlight;
};

} // namespace Baton
