#include "support/consulsimfixture.h"

#include "support/testpaths.h"

#include <csignal>
#include <sys/prctl.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QTcpSocket>
#include <QThread>

namespace Baton::Test {

QByteArray ConsulSimFixture::Reply::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

nlohmann::json ConsulSimFixture::Reply::json() const
{
    return nlohmann::json::parse(body.constBegin(), body.constEnd(), nullptr, false);
}

ConsulSimFixture::ConsulSimFixture() = default;

ConsulSimFixture::~ConsulSimFixture()
{
    stop(3000);
}

nlohmann::json ConsulSimFixture::node(const QString &name, const nlohmann::json &services, const nlohmann::json &meta)
{
    return { { "name", name.toStdString() }, { "address", "127.0.0.1" }, { "http", "127.0.0.1:0" }, { "meta", meta },
        { "services", services } };
}

nlohmann::json ConsulSimFixture::service(
    const QString &id, const QString &name, int port, const QStringList &tags, const nlohmann::json &checks)
{
    nlohmann::json t = nlohmann::json::array();
    for (const QString &tag : tags)
        t.push_back(tag.toStdString());
    return { { "id", id.toStdString() }, { "name", name.toStdString() }, { "port", port }, { "tags", t },
        { "checks", checks } };
}

nlohmann::json ConsulSimFixture::ttlCheck(const QString &id, const QString &ttl, const QString &status)
{
    return { { "id", id.toStdString() }, { "ttl", ttl.toStdString() }, { "status", status.toStdString() } };
}

nlohmann::json ConsulSimFixture::httpCheck(
    const QString &id, const QString &url, const QString &interval, const QString &status)
{
    return { { "id", id.toStdString() }, { "http", url.toStdString() }, { "interval", interval.toStdString() },
        { "status", status.toStdString() } };
}

nlohmann::json ConsulSimFixture::fastTiming()
{
    return { { "session_ttl_min", "1s" }, { "session_ttl_multiplier", 1 }, { "lock_delay_max", "1s" },
        { "check_update_interval", "0s" }, { "min_check_interval", "100ms" } };
}

bool ConsulSimFixture::start(const nlohmann::json &config, int timeoutMs)
{
    stop(3000);
    m_error.clear();
    m_agents.clear();
    m_order.clear();
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) {
        m_error = "cannot create a temporary directory";
        return false;
    }
    QFile cfg(configFilePath());
    if (!cfg.open(QIODevice::WriteOnly) || cfg.write(QByteArray::fromStdString(config.dump(2))) < 0) {
        m_error = "cannot write " + configFilePath();
        return false;
    }
    cfg.close();

    const QString program = TestPaths::program("consul-sim");
    if (!QFileInfo::exists(program)) {
        m_error = "consul-sim not built: " + program;
        return false;
    }
    m_process = std::make_unique<QProcess>();
    m_process->setProgram(program);
    m_process->setArguments({ "--config", configFilePath(), "--ready-file", readyFilePath() });
    m_process->setStandardOutputFile(m_dir->filePath("stdout.log"));
    m_process->setStandardErrorFile(m_dir->filePath("stderr.log"));
    // If the test process dies without running destructors, the simulator must not outlive it.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
    m_process->start();
    if (!m_process->waitForStarted(timeoutMs)) {
        m_error = "cannot start consul-sim: " + m_process->errorString();
        return false;
    }

    QDeadlineTimer deadline(timeoutMs);
    while (!QFileInfo::exists(readyFilePath())) {
        if (m_process->state() != QProcess::Running || m_process->waitForFinished(0)) {
            m_error = "consul-sim exited before it was ready: " + QString::fromUtf8(logOutput()).trimmed();
            return false;
        }
        if (deadline.hasExpired()) {
            m_error = "consul-sim was not ready within " + QString::number(timeoutMs)
                + " ms: " + QString::fromUtf8(logOutput()).trimmed();
            stop(1000);
            return false;
        }
        QThread::msleep(5);
    }
    QFile ready(readyFilePath());
    if (!ready.open(QIODevice::ReadOnly)) {
        m_error = "cannot read the ready file";
        return false;
    }
    const auto doc = nlohmann::json::parse(ready.readAll().toStdString(), nullptr, false);
    if (!doc.is_object() || !doc.contains("nodes") || !doc["nodes"].is_object()) {
        m_error = "malformed ready file";
        return false;
    }
    for (const auto &n : config.value("nodes", nlohmann::json::array())) {
        const std::string name = n.value("name", "");
        if (doc["nodes"].contains(name)) {
            m_order << QString::fromStdString(name);
            m_agents.insert(
                QString::fromStdString(name), QUrl(QString::fromStdString(doc["nodes"][name].get<std::string>())));
        }
    }
    m_control = QUrl(QString::fromStdString(doc.value("control", "")));
    return true;
}

int ConsulSimFixture::stop(int timeoutMs)
{
    if (!m_process)
        return -1;
    int code = -1;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (m_process->waitForFinished(timeoutMs)) {
            code = m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
        } else {
            m_process->kill();
            m_process->waitForFinished(timeoutMs);
        }
    } else {
        code = m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
    }
    m_process.reset();
    return code;
}

bool ConsulSimFixture::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

qint64 ConsulSimFixture::pid() const
{
    return m_process ? m_process->processId() : 0;
}

QByteArray ConsulSimFixture::logOutput() const
{
    if (!m_dir)
        return {};
    QFile f(m_dir->filePath("stderr.log"));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList ConsulSimFixture::nodes() const
{
    return m_order;
}

QUrl ConsulSimFixture::agentUrl(const QString &node) const
{
    return m_agents.value(node);
}

QString ConsulSimFixture::agentAddress(const QString &node) const
{
    return m_agents.value(node).toString();
}

QUrl ConsulSimFixture::anyUrl() const
{
    return m_order.isEmpty() ? QUrl() : m_agents.value(m_order.front());
}

QUrl ConsulSimFixture::controlUrl() const
{
    return m_control;
}

QString ConsulSimFixture::readyFilePath() const
{
    return m_dir ? m_dir->filePath("ready.json") : QString();
}

QString ConsulSimFixture::configFilePath() const
{
    return m_dir ? m_dir->filePath("config.json") : QString();
}

bool ConsulSimFixture::control(const QString &pathAndQuery)
{
    QUrl url = m_control;
    const qsizetype q = pathAndQuery.indexOf('?');
    url.setPath(q < 0 ? pathAndQuery : pathAndQuery.left(q));
    if (q >= 0)
        url.setQuery(pathAndQuery.mid(q + 1));
    const Reply r = request("PUT", url);
    if (r.status != 200)
        m_error = "control " + pathAndQuery + " failed: " + QString::number(r.status) + " " + QString::fromUtf8(r.body)
            + r.error;
    return r.status == 200;
}

namespace {

QString modeName(ConsulSimFixture::AgentMode mode)
{
    switch (mode) {
    case ConsulSimFixture::AgentMode::Refuse:
        return "refuse";
    case ConsulSimFixture::AgentMode::Hang:
        return "hang";
    case ConsulSimFixture::AgentMode::Keep:
        return "keep";
    }
    return "refuse";
}

QString enc(const QString &s)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(s));
}

} // namespace

bool ConsulSimFixture::killNode(const QString &node, AgentMode agent)
{
    return control("/_sim/node/" + enc(node) + "/kill?agent=" + modeName(agent));
}

bool ConsulSimFixture::reviveNode(const QString &node)
{
    return control("/_sim/node/" + enc(node) + "/revive");
}

bool ConsulSimFixture::setAgentUnreachable(const QString &node, AgentMode mode)
{
    if (mode == AgentMode::Keep)
        return setAgentReachable(node);
    return control("/_sim/agent/" + enc(node) + "/unreachable?mode=" + modeName(mode));
}

bool ConsulSimFixture::setAgentReachable(const QString &node)
{
    return control("/_sim/agent/" + enc(node) + "/reachable");
}

bool ConsulSimFixture::setCheck(
    const QString &node, const QString &checkId, const QString &status, const QString &output)
{
    QString q = "/_sim/check/" + enc(node) + "/" + enc(checkId) + "?status=" + enc(status);
    if (!output.isNull())
        q += "&output=" + enc(output);
    return control(q);
}

bool ConsulSimFixture::invalidateSession(const QString &sessionId)
{
    return control("/_sim/session/" + enc(sessionId) + "/invalidate");
}

ConsulSimFixture::Reply ConsulSimFixture::request(const QByteArray &method, const QString &node,
    const QString &pathAndQuery, const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers,
    int timeoutMs) const
{
    Reply none;
    const QUrl base = m_agents.value(node);
    if (base.isEmpty()) {
        none.error = "unknown node " + node;
        return none;
    }
    QUrl url = base;
    const qsizetype q = pathAndQuery.indexOf('?');
    url.setPath(q < 0 ? pathAndQuery : pathAndQuery.left(q), QUrl::TolerantMode);
    if (q >= 0)
        url.setQuery(pathAndQuery.mid(q + 1), QUrl::TolerantMode);
    return request(method, url, body, headers, timeoutMs);
}

ConsulSimFixture::Reply ConsulSimFixture::request(const QByteArray &method, const QUrl &url, const QByteArray &body,
    const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs) const
{
    Reply reply;
    QDeadlineTimer deadline(timeoutMs);
    QTcpSocket socket;
    socket.connectToHost(url.host(), quint16(url.port(80)));
    if (!socket.waitForConnected(int(deadline.remainingTime()))) {
        reply.error = "connect: " + socket.errorString();
        return reply;
    }
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += "?" + url.query(QUrl::FullyEncoded).toLatin1();
    QByteArray out = method + " " + target + " HTTP/1.1\r\nHost: " + url.host().toLatin1() + ":"
        + QByteArray::number(url.port(80)) + "\r\nConnection: close\r\n";
    bool hasLength = false;
    for (const auto &[k, v] : headers) {
        hasLength = hasLength || k.compare("Content-Length", Qt::CaseInsensitive) == 0;
        out += k + ": " + v + "\r\n";
    }
    if (!hasLength && (!body.isEmpty() || method == "PUT" || method == "POST"))
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "\r\n" + body;
    socket.write(out);
    while (socket.bytesToWrite() > 0) {
        if (!socket.waitForBytesWritten(int(deadline.remainingTime())))
            break;
    }

    QByteArray data;
    qsizetype headerEnd = -1;
    qint64 contentLength = -1;
    auto parseHead = [&]() {
        while (headerEnd < 0) {
            const qsizetype end = data.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QList<QByteArray> lines = data.left(end).split('\n');
            const QByteArray statusLine = lines.value(0).trimmed();
            const int status = statusLine.split(' ').value(1).toInt();
            if (status >= 100 && status < 200) {
                data.remove(0, end + 4); // an interim answer (100 Continue): skip it
                continue;
            }
            headerEnd = end;
            reply.statusLine = statusLine;
            reply.status = status;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon > 0)
                    reply.headers.append({ line.left(colon), line.mid(colon + 1).trimmed() });
            }
            if (!reply.header("Content-Length").isEmpty())
                contentLength = reply.header("Content-Length").toLongLong();
        }
    };
    while (true) {
        data += socket.readAll();
        parseHead();
        if (headerEnd >= 0 && contentLength >= 0 && data.size() - headerEnd - 4 >= contentLength)
            break;
        if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0)
            break;
        if (deadline.hasExpired()) {
            reply.error = "timed out";
            break;
        }
        socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
    }
    data += socket.readAll();
    parseHead();
    if (headerEnd < 0) {
        if (reply.error.isEmpty())
            reply.error = data.isEmpty() ? "connection closed without an answer" : "malformed answer";
        reply.status = 0;
        return reply;
    }
    reply.body = data.mid(headerEnd + 4);
    if (contentLength >= 0)
        reply.body.truncate(contentLength);
    return reply;
}

} // namespace Baton::Test
