#pragma once

#include "core/base/result.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Baton {

// Everything the command line sets. parse() checks every value and answers one line an operator can act on.
struct ServiceConfig
{
    QHostAddress listenAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 listenPort = 8480;
    QString listenText = QStringLiteral("127.0.0.1:8480");
    QString consul; // empty: CONSUL_HTTP_ADDR, then http://127.0.0.1:8500
    QString consulTokenFile;
    QString consulCaFile;
    QString playbooksDir;
    QString db = QStringLiteral("baton.db");
    QString tokensFile;
    bool allowAnonymous = false;
    QString readyFile;
    QString nodeVarsFile;
    QString collectionsDir;
    QString ansiblePlaybook;
    QString workDir;
    int maxRunners = 0; // 0: derived from memory and cores
    int startJitterMs = 500;
    qint64 maxLogBytes = 4 * 1024 * 1024;
    qint64 maxBodyBytes = 1024 * 1024;
    int maxConnections = 4096;
    int maxStreamClients = 1000;
    qint64 eventRetention = 1000000;
    int eventRetentionDays = 14;
    int drainTimeoutS = 600;
    int heartbeatMs = 15000;
    int sessionTtlS = 30;
    QString kvPrefix = QStringLiteral("baton/");
    QString instance;
    QString tlsCert;
    QString tlsKey;
    QString logFormat = QStringLiteral("text");
    QString logLevel = QStringLiteral("info");

    enum class Outcome
    {
        Run,
        Help,
        Version
    };
    struct Parsed;
    // `arguments` includes the program name. Help and version text go to `text`.
    static Result<Outcome> parse(const QStringList &arguments, ServiceConfig *config, QString *text);

    // The runner cap when --max-runners is not given: about 100 MB and a quarter core per ansible-playbook,
    // keeping 2 GB for everything else (the AWX capacity rule).
    static int autoRunnerCap(qint64 memoryBytes, int cores);
    static qint64 physicalMemory();
};

} // namespace Baton
