#pragma once

// A throwaway PostgreSQL 15 cluster for tests and benchmarks: initdb in a temporary folder, a server on a Unix
// socket only (no TCP port), removed again by the destructor. As root it runs as the `postgres` user through
// runuser, since PostgreSQL refuses to run as root. available() is false when the server binaries are absent.

#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QString>
#include <QTemporaryDir>

namespace Baton::Test {

class PgCluster
{
public:
    static QString binDir() { return QStringLiteral("/usr/lib/postgresql/15/bin"); }
    static bool available()
    {
        return QFile::exists(binDir() + QStringLiteral("/initdb"))
            && QFile::exists(binDir() + QStringLiteral("/pg_ctl"));
    }

    PgCluster()
        : m_dir(QDir::tempPath() + QStringLiteral("/baton-pg-XXXXXX"))
    { }
    ~PgCluster() { stop(); }

    bool start()
    {
        if (!available() || !m_dir.isValid()) {
            m_error = QStringLiteral("PostgreSQL binaries not found in ") + binDir();
            return false;
        }
        m_port = 20000 + int(QRandomGenerator::global()->bounded(20000));
        QFile::setPermissions(m_dir.path(),
            QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ReadOther
                | QFileDevice::WriteOther | QFileDevice::ExeOther);
        const QString data = m_dir.path() + QStringLiteral("/data");
        if (::geteuid() == 0 && !run({ QStringLiteral("chown"), QStringLiteral("postgres"), m_dir.path() }))
            return false;
        if (!runPg({ binDir() + QStringLiteral("/initdb"), QStringLiteral("-D"), data, QStringLiteral("-A"),
                QStringLiteral("trust"), QStringLiteral("-U"), QStringLiteral("baton"), QStringLiteral("--no-sync"),
                QStringLiteral("-E"), QStringLiteral("UTF8") }))
            return false;
        if (!runPg({ binDir() + QStringLiteral("/pg_ctl"), QStringLiteral("-D"), data, QStringLiteral("-w"),
                QStringLiteral("-l"), m_dir.path() + QStringLiteral("/server.log"), QStringLiteral("-o"),
                QStringLiteral("-k %1 -p %2 -c listen_addresses='' -c fsync=off").arg(m_dir.path()).arg(m_port),
                QStringLiteral("start") }))
            return false;
        m_running = true;
        return true;
    }

    void stop()
    {
        if (m_running)
            runPg({ binDir() + QStringLiteral("/pg_ctl"), QStringLiteral("-D"), m_dir.path() + QStringLiteral("/data"),
                QStringLiteral("-m"), QStringLiteral("immediate"), QStringLiteral("-w"), QStringLiteral("stop") });
        m_running = false;
    }

    // For --db and SqlJobStore::fromLocation.
    QString url() const
    {
        return QStringLiteral("postgresql://baton@localhost:%2/postgres?host=%1").arg(m_dir.path()).arg(m_port);
    }
    QString errorString() const { return m_error; }

private:
    bool run(const QStringList &cmd)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(cmd.first(), cmd.mid(1));
        if (!p.waitForFinished(60000) || p.exitCode() != 0) {
            m_error = cmd.join(u' ') + QStringLiteral(": ") + QString::fromLocal8Bit(p.readAll()).right(1000);
            return false;
        }
        return true;
    }
    bool runPg(const QStringList &cmd)
    {
        if (::geteuid() == 0)
            return run(QStringList { QStringLiteral("runuser"), QStringLiteral("-u"), QStringLiteral("postgres"),
                           QStringLiteral("--") }
                + cmd);
        return run(cmd);
    }

    QTemporaryDir m_dir;
    int m_port = 0;
    bool m_running = false;
    QString m_error;
};

} // namespace Baton::Test
