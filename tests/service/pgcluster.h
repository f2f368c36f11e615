#pragma once

// A throwaway PostgreSQL 15 cluster for tests and benchmarks: initdb in a temporary folder, a server on a Unix
// socket only (no TCP port), removed again by the destructor. As root it runs as the `postgres` user through
// runuser, since PostgreSQL refuses to run as root. available() is false when the server binaries are absent.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QString>
#include <QTemporaryDir>

#include <unistd.h>

namespace Baton::Test {

class PgCluster
{
public:
    static QString binDir() { return QStringLiteral("/usr/lib/postgresql/15/bin"); }
    static bool available() { return QFile::exists(binDir() + "/initdb") && QFile::exists(binDir() + "/pg_ctl"); }

    PgCluster()
        : m_dir(QDir::tempPath() + "/baton-pg-XXXXXX")
    {
    }
    ~PgCluster() { stop(); }

    bool start()
    {
        if (!available() || !m_dir.isValid()) {
            m_error = "PostgreSQL binaries not found in " + binDir();
            return false;
        }
        m_port = 20000 + int(QRandomGenerator::global()->bounded(20000));
        QFile::setPermissions(m_dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther);
        if (::geteuid() == 0 && !run({ "chown", "postgres", m_dir.path() }))
            return false;
        if (!runPg({ binDir() + "/initdb", "-D", m_dir.path() + "/data", "-A", "trust", "-U", "baton", "--no-sync", "-E", "UTF8" }))
            return false;
        if (!runPg({ binDir() + "/pg_ctl", "-D", m_dir.path() + "/data", "-w", "-l", m_dir.path() + "/server.log", "-o",
                     QStringLiteral("-k %1 -p %2 -c listen_addresses='' -c fsync=off").arg(m_dir.path()).arg(m_port), "start" }))
            return false;
        m_running = true;
        return true;
    }

    void stop()
    {
        if (m_running)
            runPg({ binDir() + "/pg_ctl", "-D", m_dir.path() + "/data", "-m", "immediate", "-w", "stop" });
        m_running = false;
    }

    // For --db and SqlJobStore::fromLocation.
    QString url() const { return QStringLiteral("postgresql://baton@localhost:%2/postgres?host=%1").arg(m_dir.path()).arg(m_port); }
    QString errorString() const { return m_error; }

private:
    bool run(const QStringList &cmd)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(cmd.first(), cmd.mid(1));
        if (!p.waitForFinished(60000) || p.exitCode() != 0) {
            m_error = cmd.join(' ') + ": " + QString::fromLocal8Bit(p.readAll()).right(1000);
            return false;
        }
        return true;
    }
    bool runPg(const QStringList &cmd)
    {
        if (::geteuid() == 0)
            return run(QStringList { "runuser", "-u", "postgres", "--" } + cmd);
        return run(cmd);
    }

    QTemporaryDir m_dir;
    int m_port = 0;
    bool m_running = false;
    QString m_error;
};

} // namespace Baton::Test
