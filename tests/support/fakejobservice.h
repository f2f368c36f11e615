#pragma once

#include "core/domain/job.h"
#include "core/domain/jobevent.h"

#include <functional>
#include <optional>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QUrl>
#include <QUrlQuery>

class QTcpServer;
class QTcpSocket;
class QTimer;

namespace Baton::Test {

struct FakeRequest
{
    QByteArray method;
    QString path;
    QUrlQuery query;
    QHash<QByteArray, QByteArray> headers; // names lower-cased
    QByteArray body;

    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
};

struct FakeResponse
{
    int status = 200;
    QByteArray contentType = "application/json";
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    int delayMs = 0; // answer later; -1 never answers (the connection stays open and silent)
};

// An in-memory job service speaking the v1 REST API and the SSE event stream over real HTTP on 127.0.0.1:0, for
// tests and benchmarks of the console's client side. Qt Core/Network only.
//
// It keeps jobs, grades them with the shared rules, assigns event sequence numbers, replays after Last-Event-ID
// within a window (and sends a resync event beyond it), checks bearer tokens and roles, and lets a test break
// it on purpose: answer slowly or never, drop streams, write raw bytes to streams, override any route.
class FakeJobService : public QObject
{
    Q_OBJECT

public:
    explicit FakeJobService(QObject *parent = nullptr);
    ~FakeJobService() override;

    bool listen(quint16 port = 0);
    void close();
    QUrl url() const;
    quint16 port() const;

    // Without tokens every request is accepted (as "anonymous", operator). With tokens, requests need one of them;
    // "viewer" may only read.
    void addToken(const QByteArray &token, const QString &name, const QString &role);

    void setPlaybooks(const QStringList &names);
    void setServiceNodes(const QString &service, const QStringList &nodes);

    // Jobs. addJob assigns an id when job.id is 0 and does not publish an event (history); createJob behaves like
    // a launch (publishes job.created).
    qint64 addJob(Job job);
    qint64 createJob(const JobSpec &spec, const QString &operatorName = QStringLiteral("alice"));
    std::optional<Job> job(qint64 id) const;
    int jobCount() const { return int(m_jobs.size()); }
    // Moves one node and publishes node.state and, if the grade changed or always when counts change, job.state.
    void setNodeState(
        qint64 jobId, const QString &node, NodeRunState state, const QString &reason = {}, const QString &task = {});
    void appendLog(qint64 jobId, const QString &node, const QByteArray &text, bool publish = true);

    // Events. publish assigns seq and at (if 0) and sends the event to every matching stream.
    quint64 publish(JobEvent event);
    quint64 lastSeq() const { return m_seq; }
    void sendHeartbeat();
    void setHeartbeatIntervalMs(int ms); // 0 turns automatic heartbeats off (the default)
    void setReplayWindow(int events);
    void dropStreams();
    void writeRawToStreams(const QByteArray &bytes);
    int streamCount() const;
    QList<QByteArray> lastEventIdsSeen() const { return m_lastEventIds; }

    // Consulted before the built-in routes; return std::nullopt to fall through.
    using Handler = std::function<std::optional<FakeResponse>(const FakeRequest &)>;
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    QList<FakeRequest> requests() const { return m_requests; }
    int requestCount(const QByteArray &method, const QString &pathPrefix) const;
    QStringList releasedNodes() const { return m_released; }
    QList<QPair<qint64, QByteArray>> cancelBodies() const { return m_cancelBodies; }

Q_SIGNALS:
    void requestReceived(const Baton::Test::FakeRequest &request);
    void streamOpened();

private:
    struct Connection
    {
        QByteArray buffer;
        bool streaming = false;
        qint64 jobFilter = 0;
    };

    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void dispatch(QTcpSocket *socket, const FakeRequest &request);
    FakeResponse route(const FakeRequest &request, QTcpSocket *socket, bool &streamStarted);
    void respond(QTcpSocket *socket, const FakeResponse &response);
    void openStream(QTcpSocket *socket, const FakeRequest &request);
    QByteArray frame(const JobEvent &event) const;
    void regrade(Job &job);
    Job *findJob(qint64 id);

    QTcpServer *m_server;
    QHash<QTcpSocket *, Connection> m_connections;
    QHash<QByteArray, QPair<QString, QString>> m_tokens; // token → (name, role)
    QStringList m_playbooks;
    QMap<QString, QStringList> m_serviceNodes;
    QMap<qint64, Job> m_jobs;
    QHash<QString, qint64> m_idempotency;
    QHash<QPair<qint64, QString>, QByteArray> m_logs;
    QList<JobEvent> m_replay;
    int m_replayWindow = 10000;
    quint64 m_seq = 0;
    qint64 m_nextId = 1;
    QTimer *m_heartbeat;
    Handler m_handler;
    QList<FakeRequest> m_requests;
    QList<QByteArray> m_lastEventIds;
    QStringList m_released;
    QList<QPair<qint64, QByteArray>> m_cancelBodies;
};

} // namespace Baton::Test
