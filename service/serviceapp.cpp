#include "service/serviceapp.h"

#include "core/consul/consulclient.h"
#include "core/consul/consulconfig.h"
#include "service/consul/consulclientgateway.h"
#include "service/eventstreamhub.h"
#include "service/http/httpserver.h"
#include "service/jobs/jobmanager.h"
#include "service/journal.h"
#include "service/metrics.h"
#include "service/nodevars.h"
#include "service/playbookcatalog.h"
#include "service/serviceapi.h"
#include "service/servicelogging.h"
#include "service/store/sqljobstore.h"
#include "service/tokenstore.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QSslCertificate>
#include <QSslKey>

namespace Baton {

ServiceApp::ServiceApp(ServiceConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{ }

ServiceApp::~ServiceApp()
{
    delete m_server;
    m_server = nullptr;
    m_api.reset();
    delete m_jobs;
    m_jobs = nullptr;
}

quint16 ServiceApp::port() const
{
    return m_server ? m_server->port() : 0;
}

QString ServiceApp::url() const
{
    QHostAddress host = m_config.listenAddress;
    if (host == QHostAddress(QHostAddress::Any) || host == QHostAddress(QHostAddress::AnyIPv4))
        host = QHostAddress(QHostAddress::LocalHost);
    else if (host == QHostAddress(QHostAddress::AnyIPv6))
        host = QHostAddress(QHostAddress::LocalHostIPv6);
    QString h = host.toString();
    if (host.protocol() == QAbstractSocket::IPv6Protocol)
        h = u'[' + h + u']';
    return QStringLiteral("%1://%2:%3")
        .arg(m_server && m_server->isTls() ? QStringLiteral("https") : QStringLiteral("http"), h)
        .arg(port());
}

Result<void> ServiceApp::start()
{
    m_metrics = std::make_unique<Metrics>();
    if (!m_config.tokensFile.isEmpty()) {
        BATON_TRY(tokens, TokenStore::load(m_config.tokensFile));
        m_tokens = std::make_unique<TokenStore>(std::move(tokens));
    }
    if (!m_config.nodeVarsFile.isEmpty()) {
        BATON_TRY(vars, NodeVars::load(m_config.nodeVarsFile));
        m_nodeVars = std::make_unique<NodeVars>(std::move(vars));
    }
    m_playbooks = std::make_unique<PlaybookCatalog>(m_config.playbooksDir);

    // Consul
    ConsulConfig cc;
    if (auto env = ConsulConfig::fromEnvironment())
        cc = *env;
    if (!m_config.consul.isEmpty()) {
        BATON_TRY(address, ConsulConfig::parseAddress(m_config.consul));
        cc.address = address;
    }
    if (!m_config.consulTokenFile.isEmpty()) {
        QFile f(m_config.consulTokenFile);
        if (!f.open(QIODevice::ReadOnly))
            return fail(
                Error::Kind::Io, QStringLiteral("cannot read %1: %2").arg(m_config.consulTokenFile, f.errorString()));
        cc.token = QString::fromUtf8(f.read(4096)).trimmed();
    }
    if (!m_config.consulCaFile.isEmpty())
        cc.caFile = m_config.consulCaFile;
    BATON_TRY_VOID(cc.validate());

    // Store
    BATON_TRY(store, SqlJobStore::fromLocation(m_config.db));
    store->setOwner(m_config.instance);
    BATON_TRY_VOID(store->open());
    m_store = std::move(store);
    qCInfo(lcService).noquote() << "store:" << m_store->describe() << "schema" << m_store->schemaVersion();

    m_journal = new Journal(m_store.get(), m_metrics.get(), this);
    EventStreamHub::Options eo;
    eo.maxClients = m_config.maxStreamClients;
    eo.heartbeatMs = m_config.heartbeatMs;
    eo.pollMs = m_store->kind() == u"postgresql" ? 500 : 0;
    m_events = new EventStreamHub(m_store.get(), m_metrics.get(), eo, this);
    BATON_TRY_VOID(m_events->start());
    connect(m_journal, &Journal::committed, m_events, &EventStreamHub::onCommitted);

    m_consulClient = new ConsulClient(cc, this);
    ConsulClientGateway::Options go;
    go.prefix = m_config.kvPrefix;
    go.instance = m_config.instance;
    go.sessionTtlMs = qint64(m_config.sessionTtlS) * 1000;
    auto *gateway = new ConsulClientGateway(m_consulClient, go, this);
    m_consul = gateway;
    connect(gateway, &ConsulGateway::sessionCreated, this, [this](const QString &id) {
        if (auto r = m_store->setMeta(QStringLiteral("consul_session:") + m_config.instance, id); !r)
            qCWarning(lcService).noquote() << "cannot record the Consul session:" << r.error().message;
    });

    ManagerSettings ms;
    ms.maxRunners = m_config.maxRunners;
    ms.startJitterMs = m_config.startJitterMs;
    ms.maxLogBytesPerNode = m_config.maxLogBytes;
    ms.instance = m_config.instance;
    ms.runner.ansiblePlaybook = m_config.ansiblePlaybook;
    ms.runner.collectionsPath = m_config.collectionsDir;
    ms.runner.workRoot = m_config.workDir;
    ms.runner.kvPrefix = m_config.kvPrefix;
    m_jobs
        = new JobManager(m_store.get(), m_journal, m_consul, m_playbooks.get(), m_nodeVars.get(), m_metrics.get(), ms);

    ServiceApi::Context ac;
    ac.jobs = m_jobs;
    ac.store = m_store.get();
    ac.journal = m_journal;
    ac.events = m_events;
    ac.playbooks = m_playbooks.get();
    ac.metrics = m_metrics.get();
    ac.tokens = m_tokens.get();
    ac.instance = m_config.instance;
    ac.version = QStringLiteral(BATON_VERSION_STRING);
    m_api = std::make_unique<ServiceApi>(ac);

    HttpLimits limits;
    limits.maxBodyBytes = m_config.maxBodyBytes;
    limits.maxConnections = m_config.maxConnections;
    m_server = new HttpServer(limits);
    if (!m_config.tlsCert.isEmpty()) {
        QFile certFile(m_config.tlsCert);
        QFile keyFile(m_config.tlsKey);
        if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
            return fail(Error::Kind::Io, QStringLiteral("cannot read the TLS certificate or key"));
        const QList<QSslCertificate> chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
        const QByteArray keyPem = keyFile.readAll();
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (chain.isEmpty() || key.isNull())
            return fail(Error::Kind::InvalidInput,
                QStringLiteral("--tls-cert/--tls-key: not a PEM certificate and matching RSA or EC key"));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificateChain(chain);
        tls.setPrivateKey(key);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_server->setTls(tls);
    }
    m_api->install(m_server);
    BATON_TRY(port, m_server->listen(m_config.listenAddress, m_config.listenPort));
    qCInfo(lcService).noquote() << "baton-service" << QStringLiteral(BATON_VERSION_STRING) << "instance"
                                << m_config.instance << "listening on" << url() << "(Consul" << cc.describe()
                                << ", runners ≤" << m_config.maxRunners
                                << (m_tokens ? QStringLiteral(", %1 token(s))").arg(m_tokens->size())
                                             : QStringLiteral(", authentication off)"));
    (void)port;

    // An earlier run of this instance may have left its session (and so its node locks): end it first so
    // resumed nodes do not wait for its TTL.
    auto previous = m_store->meta(QStringLiteral("consul_session:") + m_config.instance);
    if (previous && *previous && !(*previous)->isEmpty()) {
        const QString old = **previous;
        auto done = std::make_shared<bool>(false);
        auto proceed = [this, done] {
            if (*done)
                return;
            *done = true;
            continueStartup();
        };
        m_consul->destroySession(old, this, [old, proceed](Result<void> r) {
            if (r)
                qCInfo(lcService).noquote() << "ended the Consul session" << old << "of an earlier run";
            else
                qCWarning(lcService).noquote()
                    << "could not end the earlier Consul session" << old << ":" << r.error().message;
            proceed();
        });
        QTimer::singleShot(10000, this, proceed);
        return {};
    }
    continueStartup();
    return {};
}

void ServiceApp::continueStartup()
{
    m_jobs->recover([this](Result<void> r) {
        if (!r) {
            qCCritical(lcService).noquote() << "recovering unfinished jobs failed:" << r.error().message;
            Q_EMIT stopped(1);
            return;
        }
        connect(&m_trim, &QTimer::timeout, this, &ServiceApp::trimEvents);
        m_trim.start(10 * 60 * 1000);
        trimEvents();
        if (auto written = writeReadyFile(); !written) {
            qCCritical(lcService).noquote() << written.error().message;
            Q_EMIT stopped(1);
        }
    });
}

void ServiceApp::trimEvents()
{
    const qint64 olderThan = QDateTime::currentMSecsSinceEpoch() - qint64(m_config.eventRetentionDays) * 86400000LL;
    auto r = m_store->trimEvents(m_config.eventRetention, olderThan);
    if (!r)
        qCWarning(lcService).noquote() << "trimming old events failed:" << r.error().message;
    else if (*r > 0)
        qCInfo(lcService) << "dropped" << *r << "events beyond the retention";
}

Result<void> ServiceApp::writeReadyFile()
{
    if (m_config.readyFile.isEmpty())
        return {};
    QSaveFile f(m_config.readyFile);
    if (!f.open(QIODevice::WriteOnly))
        return fail(Error::Kind::Io,
            QStringLiteral("cannot write the ready file %1: %2").arg(m_config.readyFile, f.errorString()));
    const QJsonObject o { { QStringLiteral("url"), url() },
        { QStringLiteral("pid"), qint64(QCoreApplication::applicationPid()) },
        { QStringLiteral("instance"), m_config.instance } };
    f.write(QJsonDocument(o).toJson(QJsonDocument::Compact));
    if (!f.commit())
        return fail(Error::Kind::Io,
            QStringLiteral("cannot write the ready file %1: %2").arg(m_config.readyFile, f.errorString()));
    return {};
}

void ServiceApp::shutdown()
{
    if (m_shuttingDown) {
        qCWarning(lcService) << "second stop signal: stopping every runner now";
        if (m_jobs)
            m_jobs->drain(0, [this] { finishShutdown(); });
        return;
    }
    m_shuttingDown = true;
    qCInfo(lcService) << "stopping: no new jobs; running nodes may finish for up to" << m_config.drainTimeoutS << "s";
    if (!m_config.readyFile.isEmpty())
        QFile::remove(m_config.readyFile);
    if (m_api)
        m_api->setDraining(true);
    if (!m_jobs)
        return finishShutdown();
    m_jobs->drain(m_config.drainTimeoutS * 1000, [this] { finishShutdown(); });
}

void ServiceApp::finishShutdown()
{
    static bool finished = false;
    if (finished)
        return;
    finished = true;
    if (m_journal)
        (void)m_journal->flushNow();
    if (m_events)
        m_events->closeAll();
    if (m_server) {
        m_server->stopListening();
        m_server->closeAllWhenIdle();
    }
    auto done = std::make_shared<bool>(false);
    auto exit = [this, done] {
        if (*done)
            return;
        *done = true;
        qCInfo(lcService) << "stopped";
        Q_EMIT stopped(0);
    };
    if (m_consul) {
        m_consul->shutdown(this, [this, exit](Result<void> r) {
            if (!r)
                qCWarning(lcService).noquote() << "ending the Consul session failed:" << r.error().message;
            else
                (void)m_store->setMeta(QStringLiteral("consul_session:") + m_config.instance, QString());
            exit();
        });
        QTimer::singleShot(5000, this, exit);
    } else {
        exit();
    }
}

} // namespace Baton
