#pragma once

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTimer>

class QSocketNotifier;

namespace Baton {

struct RunnerCommand
{
    QString program; // ansible-playbook
    QStringList arguments;
    QProcessEnvironment environment;
    QString workingDirectory;
    QString marker; // put into the environment as BATON_RUN_MARKER; finds strays after a kill or a restart
};

// One ansible-playbook process for one node. It runs in its own session (so its process group holds
// everything it spawns and a kill reaches all of it), gets the events callback's pipe as fd 3, and dies with
// the service (PR_SET_PDEATHSIG) so a crashed service leaves no runner behind; its workers are found again by
// the marker. Output and callback lines are bounded per line.
class NodeRunner : public QObject
{
    Q_OBJECT
public:
    explicit NodeRunner(RunnerCommand command, QObject *parent = nullptr);
    ~NodeRunner() override;

    bool start(QString *error);
    // SIGTERM to the process group, SIGKILL after graceMs; then every process still carrying the marker.
    void terminate(int graceMs = 5000);
    void kill();
    qint64 pid() const { return m_pid; }
    bool isRunning() const { return m_running; }
    const QString &marker() const { return m_command.marker; }

    static constexpr int kMaxEventLineBytes = 1024 * 1024;

Q_SIGNALS:
    void callbackEvent(const nlohmann::json &event);
    void callbackGarbage(const QString &why);
    void output(const QByteArray &bytes);
    void finished(int exitCode, bool normalExit);

private:
    void readEvents();
    void readOutput();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void processEventBuffer(bool atEof);

    RunnerCommand m_command;
    QProcess m_process;
    int m_eventFd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_eventBuffer;
    bool m_discardingLine = false;
    qint64 m_pid = 0;
    bool m_running = false;
    bool m_finishedEmitted = false;
    QTimer m_killTimer;
};

// Kills (SIGKILL) every process whose environment carries BATON_RUN_MARKER=<marker>. Returns how many.
int killProcessesWithMarker(const QString &marker);
// Processes alive with that marker.
QList<qint64> processesWithMarker(const QString &marker);

} // namespace Baton
