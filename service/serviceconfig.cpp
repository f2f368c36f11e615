#include "service/serviceconfig.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>

namespace Baton {

namespace {

Result<qint64> integerOption(const QCommandLineParser &p, const QString &name, qint64 min, qint64 max)
{
    const QString text = p.value(name);
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v < min || v > max)
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("--%1: expected a whole number from %2 to %3, got \"%4\"")
                .arg(name)
                .arg(min)
                .arg(max)
                .arg(text.left(40)));
    return v;
}

Result<void> readableFile(const QString &flag, const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return fail(Error::Kind::Io, QStringLiteral("--%1: %2 does not exist").arg(flag, path));
    if (!info.isFile())
        return fail(Error::Kind::Io, QStringLiteral("--%1: %2 is not a file").arg(flag, path));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(Error::Kind::Io, QStringLiteral("--%1: cannot read %2: %3").arg(flag, path, f.errorString()));
    return {};
}

} // namespace

qint64 ServiceConfig::physicalMemory()
{
    QFile f(QStringLiteral("/proc/meminfo"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine(256);
        if (line.startsWith("MemTotal:")) {
            const QList<QByteArray> parts = line.simplified().split(' ');
            if (parts.size() >= 2)
                return parts[1].toLongLong() * 1024;
        }
    }
    return 0;
}

int ServiceConfig::autoRunnerCap(qint64 memoryBytes, int cores)
{
    const qint64 byCpu = qint64(std::max(1, cores)) * 4;
    const qint64 reserve = 2LL * 1024 * 1024 * 1024;
    const qint64 byMemory
        = memoryBytes > 0 ? std::max<qint64>(1, (memoryBytes - reserve) / (100LL * 1024 * 1024)) : byCpu;
    return int(std::clamp<qint64>(std::min(byCpu, byMemory), 1, 4096));
}

Result<ServiceConfig::Outcome> ServiceConfig::parse(const QStringList &arguments, ServiceConfig *c, QString *text)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "The Baton job service: REST API, live event stream, durable history and per-node ansible-playbook runners.\n"
        "See docs/service.md for the design and operations."));
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help(
        { QStringLiteral("h"), QStringLiteral("help") }, QStringLiteral("Show this help and exit."));
    const QCommandLineOption version(
        { QStringLiteral("v"), QStringLiteral("version") }, QStringLiteral("Show the version and exit."));
    auto opt = [](const char *name, const char *desc, const char *valueName, const QString &def = QString()) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(desc), QString::fromLatin1(valueName));
        if (!def.isEmpty())
            o.setDefaultValue(def);
        return o;
    };
    const QList<QCommandLineOption> options {
        help,
        version,
        opt("listen", "Address and port to serve HTTP on (port 0 picks a free one). Default 127.0.0.1:8480.",
            "ADDR:PORT"),
        opt("consul", "Consul agent URL. Default: CONSUL_HTTP_ADDR, then http://127.0.0.1:8500.", "URL"),
        opt("consul-token-file", "File holding the Consul ACL token. Default: CONSUL_HTTP_TOKEN.", "FILE"),
        opt("consul-ca", "CA bundle (PEM) for an https Consul address.", "FILE"),
        opt("playbooks", "Folder of the playbooks the service may run (required).", "DIR"),
        opt("db", "SQLite file, or postgresql://user:password@host:port/db. Default baton.db.", "PATH|URL"),
        opt("tokens", "Tokens file: {\"tokens\": [{\"name\", \"token\", \"role\"}]}.", "FILE"),
        QCommandLineOption(QStringLiteral("allow-anonymous"),
            QStringLiteral("Run without --tokens on a non-loopback address (every caller is an admin).")),
        opt("ready-file", "Written once the service serves: {\"url\": \"http://HOST:PORT\"}.", "PATH"),
        opt("node-vars", "Per-node variables: {\"defaults\": {…}, \"nodes\": {\"NODE\": {…}}}.", "FILE"),
        opt("collections", "Folder put first in ANSIBLE_COLLECTIONS_PATH (holds ansible_collections/baton/gate).",
            "DIR"),
        opt("ansible-playbook", "The ansible-playbook program. Default: found in PATH.", "PATH"),
        opt("work-dir", "Folder for per-run inventories and variable files. Default: a folder in the temp dir.", "DIR"),
        opt("max-runners", "Cap on concurrent ansible-playbook processes. Default: from memory and cores.", "N"),
        opt("start-jitter-ms", "Each runner starts after a random delay up to this. Default 500.", "MS"),
        opt("max-log-bytes", "Output kept per node run; the oldest is trimmed beyond it. Default 4194304.", "BYTES"),
        opt("max-body-bytes", "Largest request body accepted. Default 1048576.", "BYTES"),
        opt("max-connections", "Open HTTP connections allowed. Default 4096.", "N"),
        opt("max-stream-clients", "Clients of GET /v1/events allowed. Default 1000.", "N"),
        opt("event-retention", "Events kept for Last-Event-ID replay. Default 1000000.", "N"),
        opt("event-retention-days", "Events older than this are dropped. Default 14.", "DAYS"),
        opt("heartbeat-interval", "Milliseconds between event-stream heartbeats. Default 15000.", "MS"),
        opt("drain-timeout", "On SIGTERM, how long running nodes may finish before they are stopped. Default 600.",
            "SECONDS"),
        opt("session-ttl", "TTL of the Consul session holding node locks. Default 30.", "SECONDS"),
        opt("kv-prefix", "Consul KV prefix of Baton's keys. Default baton/.", "PREFIX"),
        opt("instance", "This replica's name (owner of its jobs, shown in node locks). Default: the host name.",
            "NAME"),
        opt("tls-cert", "Serve HTTPS with this certificate (PEM; with --tls-key).", "FILE"),
        opt("tls-key", "Private key (PEM) of --tls-cert.", "FILE"),
        opt("log-format", "text or json. Default text.", "FORMAT"),
        opt("log-level", "debug, info or warning. Default info.", "LEVEL"),
    };
    p.addOptions(options);
    if (!p.parse(arguments))
        return fail(Error::Kind::InvalidInput, p.errorText());
    if (p.isSet(help)) {
        *text = p.helpText();
        return Outcome::Help;
    }
    if (p.isSet(version)) {
        *text = QStringLiteral("baton-service %1").arg(QStringLiteral(BATON_VERSION_STRING));
        return Outcome::Version;
    }
    if (!p.positionalArguments().isEmpty())
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("unexpected argument \"%1\"").arg(p.positionalArguments().first().left(80)));

    if (p.isSet(QStringLiteral("listen"))) {
        const QString l = p.value(QStringLiteral("listen"));
        const qsizetype colon = l.lastIndexOf(u':');
        bool ok = false;
        const int port = colon > 0 ? l.mid(colon + 1).toInt(&ok) : -1;
        QString host = colon > 0 ? l.left(colon) : QString();
        if (host.startsWith(u'[') && host.endsWith(u']'))
            host = host.mid(1, host.size() - 2);
        QHostAddress addr;
        if (host == u"localhost")
            addr = QHostAddress(QHostAddress::LocalHost);
        else if (host == u"*" || host.isEmpty())
            addr = QHostAddress(QHostAddress::Any);
        else
            addr = QHostAddress(host);
        if (!ok || port < 0 || port > 65535 || addr.isNull())
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("--listen: expected ADDR:PORT (e.g. 127.0.0.1:8480), got \"%1\"").arg(l.left(80)));
        c->listenAddress = addr;
        c->listenPort = quint16(port);
        c->listenText = l;
    }
    c->consul = p.value(QStringLiteral("consul"));
    c->consulTokenFile = p.value(QStringLiteral("consul-token-file"));
    c->consulCaFile = p.value(QStringLiteral("consul-ca"));
    if (!c->consulTokenFile.isEmpty())
        BATON_TRY_VOID(readableFile(QStringLiteral("consul-token-file"), c->consulTokenFile));
    if (!c->consulCaFile.isEmpty())
        BATON_TRY_VOID(readableFile(QStringLiteral("consul-ca"), c->consulCaFile));

    c->playbooksDir = p.value(QStringLiteral("playbooks"));
    if (c->playbooksDir.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("--playbooks DIR is required"));
    const QFileInfo pb(c->playbooksDir);
    if (!pb.isDir() || !pb.isReadable())
        return fail(Error::Kind::Io, QStringLiteral("--playbooks: %1 is not a readable folder").arg(c->playbooksDir));

    if (p.isSet(QStringLiteral("db")))
        c->db = p.value(QStringLiteral("db"));
    if (c->db.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("--db: empty"));
    c->tokensFile = p.value(QStringLiteral("tokens"));
    if (!c->tokensFile.isEmpty())
        BATON_TRY_VOID(readableFile(QStringLiteral("tokens"), c->tokensFile));
    c->allowAnonymous = p.isSet(QStringLiteral("allow-anonymous"));
    if (c->tokensFile.isEmpty() && !c->allowAnonymous && !c->listenAddress.isLoopback())
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("--tokens FILE is required when listening on %1 "
                           "(or pass --allow-anonymous to serve everyone as admin)")
                .arg(c->listenText));
    c->readyFile = p.value(QStringLiteral("ready-file"));
    c->nodeVarsFile = p.value(QStringLiteral("node-vars"));
    if (!c->nodeVarsFile.isEmpty())
        BATON_TRY_VOID(readableFile(QStringLiteral("node-vars"), c->nodeVarsFile));

    c->collectionsDir = p.value(QStringLiteral("collections"));
    if (c->collectionsDir.isEmpty()) {
        const QString built = QStringLiteral(BATON_DEFAULT_COLLECTIONS_DIR);
        if (QFileInfo(built + QStringLiteral("/ansible_collections")).isDir())
            c->collectionsDir = built;
    } else if (!QFileInfo(c->collectionsDir).isDir()) {
        return fail(Error::Kind::Io, QStringLiteral("--collections: %1 is not a folder").arg(c->collectionsDir));
    }
    c->ansiblePlaybook = p.value(QStringLiteral("ansible-playbook"));
    if (c->ansiblePlaybook.isEmpty()) {
        c->ansiblePlaybook = QStandardPaths::findExecutable(QStringLiteral("ansible-playbook"));
        if (c->ansiblePlaybook.isEmpty())
            return fail(Error::Kind::Io,
                QStringLiteral("ansible-playbook is not in PATH; install ansible-core or pass --ansible-playbook"));
    } else if (!QFileInfo(c->ansiblePlaybook).isExecutable()) {
        return fail(Error::Kind::Io,
            QStringLiteral("--ansible-playbook: %1 is not an executable file").arg(c->ansiblePlaybook));
    }
    c->instance = p.value(QStringLiteral("instance"));
    if (c->instance.isEmpty())
        c->instance = QHostInfo::localHostName();
    if (c->instance.isEmpty() || c->instance.size() > 200)
        return fail(Error::Kind::InvalidInput, QStringLiteral("--instance: give a name of 1 to 200 characters"));
    c->workDir = p.value(QStringLiteral("work-dir"));
    if (c->workDir.isEmpty()) {
        QString safe = c->instance;
        safe.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_"));
        c->workDir = QDir::tempPath() + QStringLiteral("/baton-service-") + safe;
    }

    struct IntFlag
    {
        const char *name;
        qint64 min;
        qint64 max;
        std::function<void(qint64)> set;
    };
    const QList<IntFlag> ints {
        { "max-runners", 1, 4096, [c](qint64 v) { c->maxRunners = int(v); } },
        { "start-jitter-ms", 0, 600000, [c](qint64 v) { c->startJitterMs = int(v); } },
        { "max-log-bytes", 4096, 1LL << 34, [c](qint64 v) { c->maxLogBytes = v; } },
        { "max-body-bytes", 1024, 1LL << 30, [c](qint64 v) { c->maxBodyBytes = v; } },
        { "max-connections", 16, 1000000, [c](qint64 v) { c->maxConnections = int(v); } },
        { "max-stream-clients", 1, 1000000, [c](qint64 v) { c->maxStreamClients = int(v); } },
        { "heartbeat-interval", 100, 3600000, [c](qint64 v) { c->heartbeatMs = int(v); } },
        { "event-retention", 10, 1LL << 40, [c](qint64 v) { c->eventRetention = v; } },
        { "event-retention-days", 1, 36500, [c](qint64 v) { c->eventRetentionDays = int(v); } },
        { "drain-timeout", 0, 86400, [c](qint64 v) { c->drainTimeoutS = int(v); } },
        { "session-ttl", 10, 86400, [c](qint64 v) { c->sessionTtlS = int(v); } },
    };
    for (const IntFlag &f : ints) {
        const QString name = QString::fromLatin1(f.name);
        if (!p.isSet(name))
            continue;
        BATON_TRY(v, integerOption(p, name, f.min, f.max));
        f.set(v);
    }
    if (p.isSet(QStringLiteral("kv-prefix"))) {
        c->kvPrefix = p.value(QStringLiteral("kv-prefix"));
        if (c->kvPrefix.isEmpty() || c->kvPrefix.startsWith(u'/') || !c->kvPrefix.endsWith(u'/'))
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("--kv-prefix: expected a prefix like baton/ (no leading /, a trailing /)"));
    }
    c->tlsCert = p.value(QStringLiteral("tls-cert"));
    c->tlsKey = p.value(QStringLiteral("tls-key"));
    if (c->tlsCert.isEmpty() != c->tlsKey.isEmpty())
        return fail(Error::Kind::InvalidInput, QStringLiteral("--tls-cert and --tls-key go together"));
    if (!c->tlsCert.isEmpty()) {
        BATON_TRY_VOID(readableFile(QStringLiteral("tls-cert"), c->tlsCert));
        BATON_TRY_VOID(readableFile(QStringLiteral("tls-key"), c->tlsKey));
    }
    if (p.isSet(QStringLiteral("log-format"))) {
        c->logFormat = p.value(QStringLiteral("log-format"));
        if (c->logFormat != u"text" && c->logFormat != u"json")
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("--log-format: expected text or json, got \"%1\"").arg(c->logFormat.left(40)));
    }
    if (p.isSet(QStringLiteral("log-level"))) {
        c->logLevel = p.value(QStringLiteral("log-level"));
        if (c->logLevel != u"debug" && c->logLevel != u"info" && c->logLevel != u"warning")
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("--log-level: expected debug, info or warning, got \"%1\"").arg(c->logLevel.left(40)));
    }
    if (c->maxRunners == 0)
        c->maxRunners = autoRunnerCap(physicalMemory(), QThread::idealThreadCount());
    return Outcome::Run;
}

} // namespace Baton
