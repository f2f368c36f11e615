#include "support/servicefixture.h"

#include "support/testpaths.h"

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QThread>
#include <QUuid>

namespace Baton::Test {

namespace {
void writeJson(const QString &path, const nlohmann::json &j)
{
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        f.write(QByteArray::fromStdString(j.dump(2)));
}
} // namespace

QByteArray ServiceFixture::Reply::header(const QByteArray &name) const
{
    const QByteArray lower = name.toLower();
    for (const auto &h : headers) {
        if (h.first == lower)
            return h.second;
    }
    return {};
}

nlohmann::json ServiceFixture::Reply::json() const
{
    return nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

ServiceFixture::ServiceFixture()
    : m_tag(QUuid::createUuid().toString(QUuid::WithoutBraces))
{ }

ServiceFixture::~ServiceFixture()
{
    if (isRunning()) {
        ::kill(pid_t(m_process->processId()), SIGKILL);
        m_process->waitForFinished(5000);
    }
    killStrays();
}

QString ServiceFixture::folder() const
{
    return m_dir ? m_dir->path() : QString();
}

QString ServiceFixture::dbLocation() const
{
    return m_options.db.isEmpty() ? folder() + QStringLiteral("/service.db") : m_options.db;
}

bool ServiceFixture::start(const Options &options)
{
    m_options = options;
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    if (options.tokens) {
        writeJson(folder() + QStringLiteral("/tokens.json"),
            { { "tokens",
                { { { "name", "vera" }, { "token", viewerToken().toStdString() }, { "role", "viewer" } },
                    { { "name", "otto" }, { "token", operatorToken().toStdString() }, { "role", "operator" } },
                    { { "name", "ada" }, { "token", adminToken().toStdString() }, { "role", "admin" } } } } });
    }
    if (!options.nodeVars.is_null())
        writeJson(folder() + QStringLiteral("/node-vars.json"), options.nodeVars);
    return launch();
}

bool ServiceFixture::restart()
{
    if (isRunning())
        stop();
    return launch();
}

bool ServiceFixture::launch()
{
    const QString ready = folder() + QStringLiteral("/ready.json");
    QFile::remove(ready);
    QStringList args { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--consul"),
        m_options.consul, QStringLiteral("--playbooks"), m_options.playbooks, QStringLiteral("--db"), dbLocation(),
        QStringLiteral("--ready-file"), ready, QStringLiteral("--instance"), QStringLiteral("test-") + m_tag.left(8),
        QStringLiteral("--work-dir"), folder() + QStringLiteral("/work") };
    if (m_options.tokens)
        args << QStringLiteral("--tokens") << folder() + QStringLiteral("/tokens.json");
    if (!m_options.nodeVars.is_null())
        args << QStringLiteral("--node-vars") << folder() + QStringLiteral("/node-vars.json");
    QString collections = m_options.collections;
    if (collections.isEmpty())
        collections = QDir::cleanPath(TestPaths::binDir() + QStringLiteral("/../collections"));
    if (QFileInfo(collections).isDir())
        args << QStringLiteral("--collections") << collections;
    args << m_options.extraArgs;

    m_process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("BATON_TEST_TAG"), m_tag);
    m_process->setProcessEnvironment(env);
    m_process->setProgram(TestPaths::program(QStringLiteral("baton-service")));
    m_process->setArguments(args);
    m_process->setStandardOutputFile(folder() + QStringLiteral("/stdout.log"), QIODevice::Append);
    m_process->setStandardErrorFile(folder() + QStringLiteral("/service.log"), QIODevice::Append);
    m_process->start();
    ++m_starts;
    if (!m_process->waitForStarted(10000)) {
        m_error = QStringLiteral("cannot start baton-service: %1").arg(m_process->errorString());
        return false;
    }
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < m_options.startTimeoutMs) {
        if (m_process->state() == QProcess::NotRunning) {
            m_error = QStringLiteral("baton-service exited with %1: %2")
                          .arg(m_process->exitCode())
                          .arg(QString::fromUtf8(logOutput().right(2000)));
            return false;
        }
        QFile f(ready);
        if (f.open(QIODevice::ReadOnly)) {
            const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
            const QString url = o.value(QStringLiteral("url")).toString();
            if (!url.isEmpty()) {
                m_url = QUrl(url);
                return true;
            }
        }
        m_process->waitForFinished(25);
    }
    m_error = QStringLiteral("baton-service did not become ready in %1 ms: %2")
                  .arg(m_options.startTimeoutMs)
                  .arg(QString::fromUtf8(logOutput().right(2000)));
    return false;
}

int ServiceFixture::stop(int timeoutMs)
{
    if (!isRunning())
        return -1;
    ::kill(pid_t(m_process->processId()), SIGTERM);
    if (!m_process->waitForFinished(timeoutMs)) {
        ::kill(pid_t(m_process->processId()), SIGKILL);
        m_process->waitForFinished(5000);
        return -1;
    }
    return m_process->exitStatus() == QProcess::NormalExit ? m_process->exitCode() : -1;
}

void ServiceFixture::kill()
{
    if (!isRunning())
        return;
    ::kill(pid_t(m_process->processId()), SIGKILL);
    m_process->waitForFinished(5000);
}

bool ServiceFixture::isRunning() const
{
    return m_process && m_process->state() != QProcess::NotRunning;
}

qint64 ServiceFixture::pid() const
{
    return isRunning() ? m_process->processId() : 0;
}

QByteArray ServiceFixture::logOutput() const
{
    QFile f(folder() + QStringLiteral("/service.log"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

QList<qint64> ServiceFixture::strayProcesses() const
{
    QList<qint64> out;
    const QByteArray needle = "BATON_TEST_TAG=" + m_tag.toUtf8();
    const qint64 self = pid();
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &e : entries) {
        bool ok = false;
        const qint64 p = e.toLongLong(&ok);
        if (!ok || p == self || p == ::getpid())
            continue;
        QFile env(QStringLiteral("/proc/%1/environ").arg(e));
        if (!env.open(QIODevice::ReadOnly))
            continue;
        const QByteArray data = env.read(1 << 20);
        if (!data.split('\0').contains(needle))
            continue;
        // A zombie already exited; it holds nothing.
        QFile stat(QStringLiteral("/proc/%1/stat").arg(e));
        if (stat.open(QIODevice::ReadOnly)) {
            const QByteArray s = stat.readAll();
            const qsizetype close = s.lastIndexOf(')');
            if (close > 0 && close + 2 < s.size() && s[close + 2] == 'Z')
                continue;
        }
        out.append(p);
    }
    return out;
}

int ServiceFixture::killStrays() const
{
    int n = 0;
    for (qint64 p : strayProcesses()) {
        if (::kill(pid_t(p), SIGKILL) == 0)
            ++n;
    }
    return n;
}

QByteArray ServiceFixture::rawRequest(const QByteArray &bytes, int timeoutMs) const
{
    QTcpSocket s;
    s.connectToHost(m_url.host(), quint16(m_url.port()));
    if (!s.waitForConnected(timeoutMs))
        return {};
    s.write(bytes);
    s.waitForBytesWritten(timeoutMs);
    QByteArray out;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (!s.waitForReadyRead(int(std::max<qint64>(1, timeoutMs - t.elapsed())))) {
            if (s.state() != QAbstractSocket::ConnectedState)
                break;
            continue;
        }
        out += s.readAll();
    }
    out += s.readAll();
    return out;
}

ServiceFixture::Reply ServiceFixture::request(const QByteArray &method, const QString &pathAndQuery,
    const QByteArray &body, const QByteArray &token, const QList<QPair<QByteArray, QByteArray>> &headers,
    int timeoutMs) const
{
    Reply r;
    QTcpSocket s;
    s.connectToHost(m_url.host(), quint16(m_url.port()));
    if (!s.waitForConnected(timeoutMs)) {
        r.error = s.errorString();
        return r;
    }
    QByteArray req = method + ' ' + pathAndQuery.toUtf8() + " HTTP/1.1\r\nHost: " + m_url.host().toUtf8()
        + "\r\nConnection: close\r\n";
    if (!token.isEmpty())
        req += "Authorization: Bearer " + token + "\r\n";
    bool hasType = false;
    for (const auto &h : headers) {
        req += h.first + ": " + h.second + "\r\n";
        hasType = hasType || h.first.toLower() == "content-type";
    }
    if (!body.isEmpty() || method == "POST") {
        if (!hasType)
            req += "Content-Type: application/json\r\n";
        req += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    s.write(req);
    QByteArray in;
    QElapsedTimer t;
    t.start();
    qsizetype headerEnd = -1;
    qint64 length = -1;
    while (t.elapsed() < timeoutMs) {
        if (headerEnd < 0) {
            headerEnd = in.indexOf("\r\n\r\n");
            if (headerEnd >= 0) {
                const QList<QByteArray> lines = in.left(headerEnd).split('\n');
                const QList<QByteArray> status = lines.value(0).trimmed().split(' ');
                r.status = status.value(1).toInt();
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const qsizetype c = lines[i].indexOf(':');
                    if (c > 0)
                        r.headers.append({ lines[i].left(c).trimmed().toLower(), lines[i].mid(c + 1).trimmed() });
                }
                const QByteArray cl = r.header("content-length");
                if (!cl.isEmpty())
                    length = cl.toLongLong();
            }
        }
        if (headerEnd >= 0 && length >= 0 && in.size() >= headerEnd + 4 + length)
            break;
        if (!s.waitForReadyRead(int(std::max<qint64>(1, timeoutMs - t.elapsed())))) {
            if (s.state() != QAbstractSocket::ConnectedState)
                break;
            continue;
        }
        in += s.readAll();
    }
    in += s.readAll();
    if (headerEnd < 0) {
        r.status = 0;
        r.error = QStringLiteral("no HTTP answer (%1)").arg(s.errorString());
        return r;
    }
    r.body = length >= 0 ? in.mid(headerEnd + 4, length) : in.mid(headerEnd + 4);
    return r;
}

nlohmann::json ServiceFixture::waitForJobWhere(
    qint64 id, const std::function<bool(const nlohmann::json &)> &pred, int timeoutMs) const
{
    QElapsedTimer t;
    t.start();
    nlohmann::json last;
    while (t.elapsed() < timeoutMs) {
        const Reply r = request("GET", QStringLiteral("/v1/jobs/%1").arg(id), {}, viewerToken());
        if (r.status == 200) {
            last = r.json();
            if (pred(last))
                return last;
        }
        QThread::msleep(100);
    }
    return last;
}

nlohmann::json ServiceFixture::waitForJob(qint64 id, int timeoutMs) const
{
    return waitForJobWhere(
        id,
        [](const nlohmann::json &j) {
            const std::string s = j.value("state", "");
            return s == "succeeded" || s == "partially_failed" || s == "failed" || s == "cancelled";
        },
        timeoutMs);
}

} // namespace Baton::Test
