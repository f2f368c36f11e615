#include "service/runner/noderunner.h"

#include "core/base/boundedjson.h"
#include "service/servicelogging.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QSocketNotifier>

namespace Baton {

NodeRunner::NodeRunner(RunnerCommand command, QObject *parent)
    : QObject(parent)
    , m_command(std::move(command))
{
    m_killTimer.setSingleShot(true);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &NodeRunner::readOutput);
    connect(&m_process, &QProcess::finished, this, &NodeRunner::onFinished);
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart && !m_finishedEmitted) {
            m_running = false;
            m_finishedEmitted = true;
            Q_EMIT output(QStringLiteral("baton: cannot start %1: %2\n")
                              .arg(m_command.program, m_process.errorString())
                              .toUtf8());
            Q_EMIT finished(127, false);
        }
    });
}

NodeRunner::~NodeRunner()
{
    if (m_running) {
        ::kill(pid_t(-m_pid), SIGKILL);
        m_process.waitForFinished(2000);
        killProcessesWithMarker(m_command.marker);
    }
    if (m_eventFd >= 0)
        ::close(m_eventFd);
}

bool NodeRunner::start(QString *error)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        *error = QStringLiteral("cannot create the events pipe: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    const int readEnd = fds[0];
    const int writeEnd = fds[1];
    QProcessEnvironment env = m_command.environment;
    env.insert(QStringLiteral("BATON_EVENTS_FD"), QStringLiteral("3"));
    env.insert(QStringLiteral("BATON_RUN_MARKER"), m_command.marker);
    m_process.setProcessEnvironment(env);
    m_process.setWorkingDirectory(m_command.workingDirectory);
    m_process.setProgram(m_command.program);
    m_process.setArguments(m_command.arguments);
    const pid_t parent = ::getpid();
    // Runs in the child between fork and exec: async-signal-safe calls only.
    m_process.setChildProcessModifier([writeEnd, parent] {
        ::setsid();
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(125); // the service died between fork and prctl
        if (writeEnd == 3) {
            const int flags = ::fcntl(3, F_GETFD);
            ::fcntl(3, F_SETFD, flags & ~FD_CLOEXEC);
        } else {
            ::dup2(writeEnd, 3); // dup2 clears FD_CLOEXEC on the copy
        }
    });
    m_process.start();
    ::close(writeEnd);
    if (!m_process.waitForStarted(30000)) {
        ::close(readEnd);
        *error = QStringLiteral("cannot start %1: %2").arg(m_command.program, m_process.errorString());
        m_finishedEmitted = true;
        return false;
    }
    m_pid = m_process.processId();
    m_running = true;
    m_eventFd = readEnd;
    ::fcntl(m_eventFd, F_SETFL, ::fcntl(m_eventFd, F_GETFL) | O_NONBLOCK);
    m_notifier = new QSocketNotifier(m_eventFd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &NodeRunner::readEvents);
    return true;
}

void NodeRunner::readEvents()
{
    if (m_eventFd < 0)
        return;
    char buf[65536];
    for (int rounds = 0; rounds < 16; ++rounds) {
        const ssize_t n = ::read(m_eventFd, buf, sizeof buf);
        if (n > 0) {
            m_eventBuffer.append(buf, qsizetype(n));
            processEventBuffer(false);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        // EOF (every writer closed it) or an error: the channel is done.
        processEventBuffer(true);
        m_notifier->setEnabled(false);
        m_notifier->deleteLater();
        m_notifier = nullptr;
        ::close(m_eventFd);
        m_eventFd = -1;
        return;
    }
}

void NodeRunner::processEventBuffer(bool atEof)
{
    qsizetype start = 0;
    while (true) {
        const qsizetype nl = m_eventBuffer.indexOf('\n', start);
        if (nl < 0)
            break;
        const QByteArray line = m_eventBuffer.sliced(start, nl - start);
        start = nl + 1;
        if (m_discardingLine) {
            m_discardingLine = false;
            continue;
        }
        if (line.trimmed().isEmpty())
            continue;
        auto j = parseJsonBounded(line, JsonLimits { std::size_t(kMaxEventLineBytes), 32 });
        if (!j || !j->is_object()) {
            Q_EMIT callbackGarbage(j ? QStringLiteral("a callback line is not a JSON object") : j.error().message);
            continue;
        }
        Q_EMIT callbackEvent(*j);
    }
    m_eventBuffer.remove(0, start);
    if (m_eventBuffer.size() > kMaxEventLineBytes) {
        // One line longer than the limit: drop it up to its newline instead of buffering without bound.
        m_eventBuffer.clear();
        m_discardingLine = true;
        Q_EMIT callbackGarbage(
            QStringLiteral("a callback line exceeded %1 bytes and was dropped").arg(kMaxEventLineBytes));
    }
    if (atEof && !m_eventBuffer.isEmpty() && !m_discardingLine) {
        if (auto j = parseJsonBounded(m_eventBuffer, JsonLimits { std::size_t(kMaxEventLineBytes), 32 });
            j && j->is_object())
            Q_EMIT callbackEvent(*j);
        m_eventBuffer.clear();
    }
}

void NodeRunner::readOutput()
{
    const QByteArray bytes = m_process.readAllStandardOutput();
    if (!bytes.isEmpty())
        Q_EMIT output(bytes);
}

void NodeRunner::onFinished(int exitCode, QProcess::ExitStatus status)
{
    readOutput();
    readEvents();
    m_running = false;
    m_killTimer.stop();
    // Workers that outlived ansible-playbook (or escaped its group) must not keep touching the node.
    ::kill(pid_t(-m_pid), SIGKILL);
    killProcessesWithMarker(m_command.marker);
    if (m_finishedEmitted)
        return;
    m_finishedEmitted = true;
    Q_EMIT finished(exitCode, status == QProcess::NormalExit);
}

void NodeRunner::terminate(int graceMs)
{
    if (!m_running)
        return;
    ::kill(pid_t(-m_pid), SIGTERM);
    m_killTimer.disconnect();
    connect(&m_killTimer, &QTimer::timeout, this, &NodeRunner::kill);
    m_killTimer.start(graceMs);
}

void NodeRunner::kill()
{
    if (!m_running)
        return;
    ::kill(pid_t(-m_pid), SIGKILL);
    killProcessesWithMarker(m_command.marker);
}

QList<qint64> processesWithMarker(const QString &marker)
{
    QList<qint64> out;
    if (marker.isEmpty())
        return out;
    const QByteArray needle = "BATON_RUN_MARKER=" + marker.toUtf8();
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &e : entries) {
        bool ok = false;
        const qint64 pid = e.toLongLong(&ok);
        if (!ok || pid == ::getpid())
            continue;
        QFile env(QStringLiteral("/proc/%1/environ").arg(e));
        if (!env.open(QIODevice::ReadOnly))
            continue;
        const QByteArray data = env.read(1024 * 1024);
        for (const QByteArray &item : data.split('\0')) {
            if (item == needle) {
                out.append(pid);
                break;
            }
        }
    }
    return out;
}

int killProcessesWithMarker(const QString &marker)
{
    int killed = 0;
    for (qint64 pid : processesWithMarker(marker)) {
        if (::kill(pid_t(pid), SIGKILL) == 0)
            ++killed;
    }
    return killed;
}

} // namespace Baton
