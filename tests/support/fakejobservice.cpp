#include "support/fakejobservice.h"

#include "core/base/boundedjson.h"
#include "core/base/jsonfields.h"
#include "core/base/timestamps.h"
#include "core/domain/eventcodec.h"
#include "core/domain/jobcodec.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace Baton::Test {

namespace {

constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
constexpr qsizetype kMaxBodyBytes = 4 * 1024 * 1024;

QByteArray dump(const nlohmann::json &j)
{
    const std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return QByteArray(s.data(), qsizetype(s.size()));
}

FakeResponse jsonResponse(int status, const nlohmann::json &j)
{
    FakeResponse r;
    r.status = status;
    r.body = dump(j);
    return r;
}

FakeResponse errorResponse(int status, const QString &message)
{
    return jsonResponse(status, { { "error", message.toStdString() } });
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

} // namespace

FakeJobService::FakeJobService(QObject *parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
    , m_heartbeat(new QTimer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &FakeJobService::onNewConnection);
    connect(m_heartbeat, &QTimer::timeout, this, &FakeJobService::sendHeartbeat);
    m_playbooks = { QStringLiteral("rolling-restart.yml"), QStringLiteral("patch-kernel.yml") };
}

FakeJobService::~FakeJobService()
{
    close();
}

bool FakeJobService::listen(quint16 port)
{
    return m_server->listen(QHostAddress::LocalHost, port);
}

void FakeJobService::close()
{
    m_server->close();
    const auto sockets = m_connections.keys();
    for (QTcpSocket *s : sockets) {
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
    m_connections.clear();
}

QUrl FakeJobService::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server->serverPort()));
}

quint16 FakeJobService::port() const
{
    return m_server->serverPort();
}

void FakeJobService::addToken(const QByteArray &token, const QString &name, const QString &role)
{
    m_tokens.insert(token, { name, role });
}

void FakeJobService::setPlaybooks(const QStringList &names)
{
    m_playbooks = names;
}

void FakeJobService::setServiceNodes(const QString &service, const QStringList &nodes)
{
    m_serviceNodes.insert(service, nodes);
}

void FakeJobService::setHeartbeatIntervalMs(int ms)
{
    if (ms <= 0)
        m_heartbeat->stop();
    else
        m_heartbeat->start(ms);
}

void FakeJobService::setReplayWindow(int events)
{
    m_replayWindow = std::max(0, events);
    while (m_replay.size() > m_replayWindow)
        m_replay.removeFirst();
}

int FakeJobService::streamCount() const
{
    int n = 0;
    for (const Connection &c : m_connections)
        n += c.streaming;
    return n;
}

int FakeJobService::requestCount(const QByteArray &method, const QString &pathPrefix) const
{
    int n = 0;
    for (const FakeRequest &r : m_requests)
        n += r.method == method && r.path.startsWith(pathPrefix);
    return n;
}

Job *FakeJobService::findJob(qint64 id)
{
    auto it = m_jobs.find(id);
    return it == m_jobs.end() ? nullptr : &*it;
}

std::optional<Job> FakeJobService::job(qint64 id) const
{
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return std::nullopt;
    return *it;
}

void FakeJobService::regrade(Job &job)
{
    job.counts = job.countNodes();
    job.state = gradeJob(job.counts, job.cancel.has_value());
    if (isTerminal(job.state) && job.finishedAtMs == 0)
        job.finishedAtMs = Timestamps::nowMs();
    if (job.state == JobState::Running && job.startedAtMs == 0)
        job.startedAtMs = Timestamps::nowMs();
}

qint64 FakeJobService::addJob(Job job)
{
    if (job.id <= 0)
        job.id = m_nextId;
    m_nextId = std::max(m_nextId, job.id + 1);
    if (job.createdAtMs == 0)
        job.createdAtMs = Timestamps::nowMs();
    if (!job.nodes.isEmpty())
        job.counts = job.countNodes();
    m_jobs.insert(job.id, job);
    return job.id;
}

qint64 FakeJobService::createJob(const JobSpec &spec, const QString &operatorName)
{
    Job job;
    job.spec = spec;
    job.operatorName = operatorName;
    job.createdAtMs = Timestamps::nowMs();
    QStringList nodes = spec.target.nodes;
    if (nodes.isEmpty())
        nodes = m_serviceNodes.value(spec.target.service);
    for (const QString &n : nodes) {
        NodeRun run;
        run.node = n;
        run.service = spec.target.service;
        run.state = NodeRunState::Queued;
        run.transitions.append({ NodeRunState::Queued, job.createdAtMs, {} });
        job.nodes.append(run);
    }
    regrade(job);
    const qint64 id = addJob(job);
    JobEvent e;
    e.type = JobEvent::Type::JobCreated;
    e.jobId = id;
    e.job = m_jobs.value(id);
    publish(e);
    return id;
}

void FakeJobService::setNodeState(
    qint64 jobId, const QString &node, NodeRunState state, const QString &reason, const QString &task)
{
    Job *job = findJob(jobId);
    if (!job)
        return;
    NodeRun *run = job->findNode(node);
    if (!run)
        return;
    const qint64 now = Timestamps::nowMs();
    run->state = state;
    run->reason = reason;
    run->task = task;
    run->lastEventAtMs = now;
    run->transitions.append({ state, now, reason });
    if (state == NodeRunState::Starting && run->startedAtMs == 0)
        run->startedAtMs = now;
    if (isTerminal(state))
        run->finishedAtMs = now;
    const JobState before = job->state;
    const NodeCounts countsBefore = job->counts;
    regrade(*job);

    JobEvent e;
    e.type = JobEvent::Type::NodeState;
    e.jobId = jobId;
    e.node = node;
    e.nodeState = state;
    e.reason = reason;
    e.task = task;
    publish(e);
    if (job->state != before || job->counts != countsBefore) {
        JobEvent js;
        js.type = JobEvent::Type::JobState;
        js.jobId = jobId;
        js.jobState = job->state;
        js.counts = job->counts;
        js.haltReason = job->haltReason;
        publish(js);
    }
}

void FakeJobService::appendLog(qint64 jobId, const QString &node, const QByteArray &text, bool doPublish)
{
    QByteArray &log = m_logs[{ jobId, node }];
    const qint64 offset = log.size();
    log.append(text);
    if (Job *job = findJob(jobId)) {
        if (NodeRun *run = job->findNode(node))
            run->logBytes = log.size();
    }
    if (!doPublish)
        return;
    JobEvent e;
    e.type = JobEvent::Type::NodeLog;
    e.jobId = jobId;
    e.node = node;
    e.offset = offset;
    e.text = QString::fromUtf8(text);
    publish(e);
}

QByteArray FakeJobService::frame(const JobEvent &event) const
{
    QByteArray out;
    if (event.type != JobEvent::Type::Heartbeat)
        out += "id: " + QByteArray::number(event.seq) + "\n";
    out += "event: " + JobEvent::typeToWire(event.type).toLatin1() + "\n";
    out += "data: " + EventCodec::toDataLine(event) + "\n\n";
    return out;
}

quint64 FakeJobService::publish(JobEvent event)
{
    if (event.type != JobEvent::Type::Heartbeat)
        event.seq = ++m_seq;
    else
        event.seq = m_seq;
    if (event.atMs == 0)
        event.atMs = Timestamps::nowMs();
    if (event.type != JobEvent::Type::Heartbeat) {
        m_replay.append(event);
        while (m_replay.size() > m_replayWindow)
            m_replay.removeFirst();
    }
    const QByteArray bytes = frame(event);
    for (auto it = m_connections.begin(); it != m_connections.end(); ++it) {
        if (!it->streaming)
            continue;
        if (it->jobFilter > 0 && event.jobId != it->jobFilter && event.type != JobEvent::Type::Heartbeat)
            continue;
        it.key()->write(bytes);
    }
    return event.seq;
}

void FakeJobService::sendHeartbeat()
{
    JobEvent e;
    e.type = JobEvent::Type::Heartbeat;
    publish(e);
}

void FakeJobService::dropStreams()
{
    const auto sockets = m_connections.keys();
    for (QTcpSocket *s : sockets) {
        if (m_connections.value(s).streaming) {
            m_connections.remove(s);
            s->disconnect(this);
            s->abort();
            s->deleteLater();
        }
    }
}

void FakeJobService::writeRawToStreams(const QByteArray &bytes)
{
    for (auto it = m_connections.begin(); it != m_connections.end(); ++it) {
        if (it->streaming)
            it.key()->write(bytes);
    }
}

void FakeJobService::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        m_connections.insert(socket, {});
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_connections.remove(socket);
            socket->deleteLater();
        });
    }
}

void FakeJobService::onReadyRead(QTcpSocket *socket)
{
    auto it = m_connections.find(socket);
    if (it == m_connections.end())
        return;
    if (it->streaming) {
        socket->readAll(); // nothing more is expected from a stream client
        return;
    }
    it->buffer += socket->readAll();
    const qsizetype headerEnd = it->buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
        if (it->buffer.size() > kMaxHeaderBytes) {
            respond(socket, errorResponse(431, QStringLiteral("headers too large")));
        }
        return;
    }
    const QList<QByteArray> lines = it->buffer.left(headerEnd).split('\n');
    FakeRequest request;
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    if (first.size() < 2) {
        respond(socket, errorResponse(400, QStringLiteral("bad request line")));
        return;
    }
    request.method = first[0];
    const QUrl target(QString::fromLatin1(first[1]));
    request.path = target.path(QUrl::FullyDecoded);
    request.query = QUrlQuery(target.query());
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
    }
    const qsizetype length = request.header("content-length").toLongLong();
    if (length > kMaxBodyBytes) {
        respond(socket, errorResponse(413, QStringLiteral("body too large")));
        return;
    }
    if (it->buffer.size() < headerEnd + 4 + length)
        return; // wait for the rest of the body
    request.body = it->buffer.mid(headerEnd + 4, length);
    it->buffer.remove(0, headerEnd + 4 + length);
    dispatch(socket, request);
}

void FakeJobService::dispatch(QTcpSocket *socket, const FakeRequest &request)
{
    m_requests.append(request);
    Q_EMIT requestReceived(request);
    bool streamStarted = false;
    FakeResponse response;
    if (m_handler) {
        if (auto custom = m_handler(request)) {
            response = *custom;
        } else {
            response = route(request, socket, streamStarted);
        }
    } else {
        response = route(request, socket, streamStarted);
    }
    if (streamStarted)
        return;
    if (response.delayMs < 0)
        return; // never answer
    if (response.delayMs > 0) {
        QPointer<QTcpSocket> guard(socket);
        QTimer::singleShot(response.delayMs, this, [this, guard, response] {
            if (guard && m_connections.contains(guard.data()))
                respond(guard.data(), response);
        });
        return;
    }
    respond(socket, response);
}

void FakeJobService::respond(QTcpSocket *socket, const FakeResponse &response)
{
    QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + " " + reasonPhrase(response.status) + "\r\n";
    if (!response.contentType.isEmpty())
        head += "Content-Type: " + response.contentType + "\r\n";
    for (const auto &h : response.headers)
        head += h.first + ": " + h.second + "\r\n";
    head += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    head += "Connection: close\r\n\r\n";
    socket->write(head);
    socket->write(response.body);
    socket->disconnectFromHost();
}

void FakeJobService::openStream(QTcpSocket *socket, const FakeRequest &request)
{
    Connection &c = m_connections[socket];
    c.streaming = true;
    c.jobFilter = request.query.queryItemValue(QStringLiteral("job")).toLongLong();
    const QByteArray lastId = request.header("last-event-id");
    m_lastEventIds.append(lastId);
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                  "Connection: close\r\n\r\n");
    socket->write("retry: 1000\n\n");
    if (!lastId.isEmpty()) {
        bool ok = false;
        const quint64 after = lastId.toULongLong(&ok);
        const quint64 oldest = m_replay.isEmpty() ? m_seq + 1 : m_replay.first().seq;
        if (!ok || (after + 1 < oldest && after < m_seq)) {
            JobEvent resync;
            resync.type = JobEvent::Type::Resync;
            resync.seq = m_seq;
            resync.atMs = Timestamps::nowMs();
            resync.reason = QStringLiteral("replay window exceeded");
            socket->write("event: resync\ndata: " + EventCodec::toDataLine(resync) + "\n\n");
        } else {
            for (const JobEvent &e : std::as_const(m_replay)) {
                if (e.seq <= after)
                    continue;
                if (c.jobFilter > 0 && e.jobId != c.jobFilter)
                    continue;
                socket->write(frame(e));
            }
        }
    }
    Q_EMIT streamOpened();
}

FakeResponse FakeJobService::route(const FakeRequest &request, QTcpSocket *socket, bool &streamStarted)
{
    static const QRegularExpression jobPath(QStringLiteral("^/v1/jobs/(\\d+)$"));
    static const QRegularExpression cancelPath(QStringLiteral("^/v1/jobs/(\\d+)/cancel$"));
    static const QRegularExpression nodeCancelPath(QStringLiteral("^/v1/jobs/(\\d+)/nodes/([^/]+)/cancel$"));
    static const QRegularExpression relaunchPath(QStringLiteral("^/v1/jobs/(\\d+)/relaunch$"));
    static const QRegularExpression logPath(QStringLiteral("^/v1/jobs/(\\d+)/nodes/([^/]+)/log$"));
    static const QRegularExpression releasePath(QStringLiteral("^/v1/nodes/([^/]+)/release$"));

    if (request.path == QStringLiteral("/v1/health"))
        return jsonResponse(200, { { "status", "ok" }, { "version", "fake" } });

    QString who = QStringLiteral("anonymous");
    QString role = QStringLiteral("operator");
    if (!m_tokens.isEmpty()) {
        const QByteArray auth = request.header("authorization");
        if (!auth.startsWith("Bearer ") || !m_tokens.contains(auth.mid(7)))
            return errorResponse(401, QStringLiteral("missing or unknown token"));
        who = m_tokens.value(auth.mid(7)).first;
        role = m_tokens.value(auth.mid(7)).second;
    }
    if (request.method != "GET" && role == QStringLiteral("viewer"))
        return errorResponse(
            403, QStringLiteral("role viewer may not %1 %2").arg(QString::fromLatin1(request.method), request.path));

    if (request.method == "GET" && request.path == QStringLiteral("/v1/events")) {
        openStream(socket, request);
        streamStarted = true;
        return {};
    }
    if (request.method == "GET" && request.path == QStringLiteral("/v1/playbooks")) {
        nlohmann::json list = nlohmann::json::array();
        for (const QString &p : std::as_const(m_playbooks))
            list.push_back({ { "name", p.toStdString() }, { "description", "" } });
        return jsonResponse(200, { { "playbooks", list } });
    }
    if (request.method == "GET" && request.path == QStringLiteral("/v1/jobs")) {
        const QStringList states
            = request.query.queryItemValue(QStringLiteral("state")).split(QLatin1Char(','), Qt::SkipEmptyParts);
        const QString playbook = request.query.queryItemValue(QStringLiteral("playbook"));
        const QString service = request.query.queryItemValue(QStringLiteral("service"));
        const QString text = request.query.queryItemValue(QStringLiteral("q"));
        const qint64 cursor = request.query.queryItemValue(QStringLiteral("cursor")).toLongLong();
        int limit = request.query.queryItemValue(QStringLiteral("limit")).toInt();
        if (limit <= 0 || limit > 1000)
            limit = 100;
        nlohmann::json jobs = nlohmann::json::array();
        qint64 last = 0;
        bool more = false;
        for (auto it = m_jobs.cend(); it != m_jobs.cbegin();) {
            --it;
            const Job &j = *it;
            if (cursor > 0 && j.id >= cursor)
                continue;
            if (!states.isEmpty() && !states.contains(toWire(j.state)))
                continue;
            if (!playbook.isEmpty() && j.spec.playbook != playbook)
                continue;
            if (!service.isEmpty() && j.spec.target.service != service)
                continue;
            if (!text.isEmpty() && !j.spec.playbook.contains(text) && !j.spec.target.service.contains(text)
                && !j.operatorName.contains(text) && QString::number(j.id) != text)
                continue;
            if (int(jobs.size()) == limit) {
                more = true;
                break;
            }
            jobs.push_back(JobCodec::toJson(j, JobCodec::NodeDetail::CountsOnly));
            last = j.id;
        }
        return jsonResponse(200,
            { { "jobs", jobs }, { "next_cursor", more ? QString::number(last).toStdString() : "" }, { "seq", m_seq } });
    }
    if (request.method == "POST" && request.path == QStringLiteral("/v1/jobs")) {
        auto parsed = parseJsonBounded(request.body);
        if (!parsed)
            return errorResponse(400, parsed.error().message);
        auto spec = JobCodec::jobSpecFromJson(*parsed);
        if (!spec)
            return errorResponse(400, spec.error().message);
        if (!m_playbooks.contains(spec->playbook))
            return errorResponse(400, QStringLiteral("unknown playbook %1").arg(spec->playbook));
        const QString key = QString::fromUtf8(request.header("idempotency-key"));
        if (!key.isEmpty() && m_idempotency.contains(key))
            return jsonResponse(200, JobCodec::toJson(m_jobs.value(m_idempotency.value(key))));
        const qint64 id = createJob(*spec, who);
        if (!key.isEmpty())
            m_idempotency.insert(key, id);
        return jsonResponse(201, JobCodec::toJson(m_jobs.value(id)));
    }
    if (auto m = jobPath.match(request.path); m.hasMatch() && request.method == "GET") {
        const Job *j = findJob(m.captured(1).toLongLong());
        if (!j)
            return errorResponse(404, QStringLiteral("no job %1").arg(m.captured(1)));
        FakeResponse r = jsonResponse(200, JobCodec::toJson(*j));
        r.headers.append({ "X-Baton-Event-Seq", QByteArray::number(m_seq) });
        return r;
    }
    if (auto m = cancelPath.match(request.path); m.hasMatch() && request.method == "POST") {
        Job *j = findJob(m.captured(1).toLongLong());
        if (!j)
            return errorResponse(404, QStringLiteral("no job %1").arg(m.captured(1)));
        m_cancelBodies.append({ j->id, request.body });
        auto body = parseJsonBounded(request.body);
        CancelRequest c;
        c.by = who;
        c.atMs = Timestamps::nowMs();
        if (body && body->is_object() && body->value("mode", "") == "force")
            c.mode = CancelRequest::Mode::Force;
        j->cancel = c;
        const qint64 id = j->id;
        for (NodeRun &r : j->nodes) {
            if (isWaiting(r.state) || (c.mode == CancelRequest::Mode::Force && !isTerminal(r.state)))
                setNodeState(id, r.node, NodeRunState::Cancelled, QStringLiteral("cancelled by %1").arg(who));
        }
        j = findJob(id);
        regrade(*j);
        JobEvent js;
        js.type = JobEvent::Type::JobState;
        js.jobId = id;
        js.jobState = j->state;
        js.counts = j->counts;
        publish(js);
        return jsonResponse(200, JobCodec::toJson(*j));
    }
    if (auto m = nodeCancelPath.match(request.path); m.hasMatch() && request.method == "POST") {
        const qint64 id = m.captured(1).toLongLong();
        const QString node = m.captured(2);
        Job *j = findJob(id);
        if (!j || !j->findNode(node))
            return errorResponse(404, QStringLiteral("no node %1 in job %2").arg(node).arg(id));
        m_cancelBodies.append({ id, request.body });
        auto body = parseJsonBounded(request.body);
        const std::string mode = body && body->is_object() ? body->value("mode", "drop") : "drop";
        NodeRun *run = j->findNode(node);
        if (mode == "drop" && !isWaiting(run->state))
            return errorResponse(409, QStringLiteral("%1 has already started; use a force cancel").arg(node));
        if (isTerminal(run->state))
            return errorResponse(409, QStringLiteral("%1 has already finished").arg(node));
        if (mode == "force" && body->value("maintenance", "release") == "keep")
            run->maintenanceLeftOn = true;
        setNodeState(id, node, NodeRunState::Cancelled, QStringLiteral("cancelled by %1").arg(who));
        return jsonResponse(200, JobCodec::toJson(m_jobs.value(id)));
    }
    if (auto m = relaunchPath.match(request.path); m.hasMatch() && request.method == "POST") {
        const Job *j = findJob(m.captured(1).toLongLong());
        if (!j)
            return errorResponse(404, QStringLiteral("no job %1").arg(m.captured(1)));
        QStringList nodes;
        auto body = parseJsonBounded(request.body);
        if (body && body->is_object()) {
            if (auto list = JsonFields::optionalStringList(*body, "nodes"))
                nodes = *list;
        }
        if (nodes.isEmpty()) {
            for (const NodeRun &r : j->nodes) {
                if (isFailure(r.state))
                    nodes << r.node;
            }
        }
        if (nodes.isEmpty())
            return errorResponse(409, QStringLiteral("job %1 has no failed nodes").arg(j->id));
        JobSpec spec = j->spec;
        spec.target.nodes = nodes;
        const qint64 from = j->id;
        const qint64 id = createJob(spec, who);
        m_jobs[id].relaunchOf = from;
        return jsonResponse(201, JobCodec::toJson(m_jobs.value(id)));
    }
    if (auto m = logPath.match(request.path); m.hasMatch() && request.method == "GET") {
        const qint64 id = m.captured(1).toLongLong();
        const QString node = m.captured(2);
        if (!findJob(id))
            return errorResponse(404, QStringLiteral("no job %1").arg(id));
        const QByteArray log = m_logs.value({ id, node });
        const qint64 offset
            = std::clamp<qint64>(request.query.queryItemValue(QStringLiteral("offset")).toLongLong(), 0, log.size());
        const Job *j = findJob(id);
        const NodeRun *run = j->findNode(node);
        return jsonResponse(200,
            { { "offset", offset }, { "text", log.mid(offset).toStdString() }, { "size", log.size() },
                { "complete", run && isTerminal(run->state) } });
    }
    if (auto m = releasePath.match(request.path); m.hasMatch() && request.method == "POST") {
        m_released << m.captured(1);
        return jsonResponse(200, { { "node", m.captured(1).toStdString() }, { "released", true } });
    }
    return errorResponse(
        404, QStringLiteral("no route for %1 %2").arg(QString::fromLatin1(request.method), request.path));
}

} // namespace Baton::Test
