#include "core/jobs/eventstream.h"

#include "core/base/redaction.h"
#include "core/domain/eventcodec.h"
#include "core/jobs/jobsapi.h"
#include "core/jobs/jobslogging.h"
#include "core/net/tlsconfig.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrlQuery>

namespace Baton {

namespace {
QString hostOf(const QUrl &url)
{
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
}

// Decode failures are logged for the first few and then sparsely, so a hostile stream cannot flood the log.
bool shouldLog(quint64 count)
{
    return count <= 5 || count % 1000 == 0;
}
} // namespace

EventStream::EventStream(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
    , m_retryTimer(new QTimer(this))
    , m_watchdog(new QTimer(this))
{
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &EventStream::connectNow);
    m_watchdog->setSingleShot(true);
    connect(m_watchdog, &QTimer::timeout, this, [this] {
        if (!m_reply)
            return;
        m_abortReason = QStringLiteral("silent");
        m_reply->abort();
    });
}

EventStream::~EventStream()
{
    ++m_generation;
    dropReply();
}

Result<void> EventStream::configure(const Options &options)
{
    const QString scheme = options.baseUrl.scheme();
    if (!options.baseUrl.isValid() || (scheme != u"http" && scheme != u"https") || options.baseUrl.host().isEmpty())
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("event stream URL \"%1\" is not an http(s) URL")
                .arg(Redaction::redactUrl(options.baseUrl.toString())));
    BATON_TRY(ssl, TlsConfig::withCaFile(options.caFile));
    stop();
    m_options = options;
    m_options.livenessTimeoutMs = std::max(100, options.livenessTimeoutMs);
    m_ssl = ssl;
    m_framer = SseFramer(options.limits);
    m_backoff = Backoff(options.initialRetryMs, options.maxRetryMs);
    m_lastSeq = 0;
    m_stats = {};
    m_lastError = {};
    setState(State::Idle);
    return {};
}

void EventStream::start(quint64 resumeAfter)
{
    if (resumeAfter > 0)
        m_lastSeq = resumeAfter;
    m_backoff.reset();
    connectNow();
}

void EventStream::stop()
{
    ++m_generation;
    m_retryTimer->stop();
    m_watchdog->stop();
    dropReply();
    if (m_state != State::Idle)
        setState(State::Stopped);
}

void EventStream::reconnectNow()
{
    if (m_state == State::Stopped || m_state == State::Idle)
        return;
    m_retryTimer->stop();
    connectNow();
}

void EventStream::setResumePoint(quint64 seq)
{
    if (seq > m_lastSeq)
        m_lastSeq = seq;
}

int EventStream::retryInMs() const
{
    return m_state == State::Waiting && m_retryTimer->isActive() ? m_retryTimer->remainingTime() : -1;
}

qint64 EventStream::silenceMs() const
{
    return m_lastByte.isValid() ? m_lastByte.elapsed() : -1;
}

void EventStream::dropReply()
{
    if (!m_reply)
        return;
    QNetworkReply *r = std::exchange(m_reply, nullptr);
    r->disconnect(this);
    r->abort();
    r->deleteLater();
}

void EventStream::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void EventStream::connectNow()
{
    ++m_generation;
    m_watchdog->stop();
    dropReply();
    m_framer.reset();
    m_abortReason.clear();
    m_headersOk = false;
    m_drainScheduled = false;
    m_deliveredOnThisConnection = false;

    QUrl url = m_options.baseUrl;
    QString path = url.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path + QStringLiteral("/v1/events"));
    if (m_options.jobFilter > 0) {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("job"), QString::number(m_options.jobFilter));
        url.setQuery(q);
    }
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "text/event-stream");
    request.setRawHeader("Cache-Control", "no-cache");
    request.setRawHeader("User-Agent", "baton-console");
    if (!m_options.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_options.token);
    if (m_lastSeq > 0)
        request.setRawHeader("Last-Event-ID", QByteArray::number(m_lastSeq));
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    // HTTP/2 in Qt 6.4 has known stream-timeout and abort defects (QTBUG-144492 and others); one long-lived
    // HTTP/1.1 connection on a dedicated manager is simpler and needs no multiplexing.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    // A backstop only: the watchdog below decides liveness from heartbeats with a precise message.
    request.setTransferTimeout(m_options.livenessTimeoutMs + 5000);
    if (url.scheme() == u"https")
        request.setSslConfiguration(m_ssl);

    qCDebug(lcEvents).noquote() << "connecting to" << Redaction::redactUrl(url.toString()) << "after seq" << m_lastSeq;
    setState(State::Connecting);
    m_attemptClock.start();
    m_reply = m_nam->get(request);
    const quint64 generation = m_generation;
    connect(m_reply, &QNetworkReply::metaDataChanged, this, [this, generation] {
        if (generation == m_generation)
            onMetaData();
    });
    connect(m_reply, &QNetworkReply::readyRead, this, [this, generation] {
        if (generation == m_generation)
            onReadyRead();
    });
    connect(m_reply, &QNetworkReply::finished, this, [this, generation] {
        if (generation == m_generation)
            onFinished();
    });
    m_watchdog->start(m_options.livenessTimeoutMs);
}

void EventStream::onMetaData()
{
    if (!m_reply || m_headersOk)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return;
    const QByteArray type = m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    if (status == 200 && type.startsWith("text/event-stream")) {
        m_headersOk = true;
        m_lastByte.start();
        ++m_stats.connects;
        setState(State::Live);
        qCInfo(lcEvents) << "event stream live, resuming after seq" << m_lastSeq;
        Q_EMIT connected(m_attemptClock.elapsed());
        return;
    }
    if (status == 204) {
        // The standard's way for a server to say "do not reconnect".
        const Error e = Error::make(Error::Kind::Http,
            QStringLiteral("The job service at %1 closed the event stream for good (HTTP "
                           "204); live updates are off until you reconnect.")
                .arg(hostOf(m_options.baseUrl)),
            204);
        m_lastError = e;
        ++m_generation;
        m_watchdog->stop();
        dropReply();
        Q_EMIT errorOccurred(e);
        setState(State::Stopped);
        return;
    }
    // Anything else is decided when the (short) error body has arrived, in onFinished; a 200 with the wrong type
    // is refused now so a hostile server cannot stream an unbounded body into us.
    if (status == 200) {
        failAttempt(Error::make(Error::Kind::Decode,
            QStringLiteral("The job service at %1 answered the event stream with \"%2\" instead "
                           "of text/event-stream.")
                .arg(hostOf(m_options.baseUrl), QString::fromUtf8(type.left(60)))));
    }
}

void EventStream::onReadyRead()
{
    if (!m_reply || !m_headersOk)
        return;
    m_watchdog->start(m_options.livenessTimeoutMs);
    m_lastByte.start();
    // At most this much per turn of the event loop: after a stall (or a burst) the socket may hold seconds of
    // events, and parsing them all at once would stall the UI thread in turn. The rest is read on the next turn,
    // after paints and timers had their chance.
    constexpr qint64 kMaxReadPerTurn = 64 * 1024;
    const QByteArray chunk = m_reply->read(kMaxReadPerTurn);
    if (m_reply->bytesAvailable() > 0 && !m_drainScheduled) {
        m_drainScheduled = true;
        const quint64 generation = m_generation;
        QTimer::singleShot(0, this, [this, generation] {
            m_drainScheduled = false;
            if (generation == m_generation && m_reply && m_reply->bytesAvailable() > 0)
                onReadyRead();
        });
    }
    m_stats.bytes += quint64(chunk.size());
    QList<SseEvent> sse;
    const Result<qsizetype> framed = m_framer.feed(chunk, sse);
    if (const auto retry = m_framer.takeRetryMs())
        m_backoff.setBase(*retry);
    QList<JobEvent> batch;
    batch.reserve(sse.size());
    const quint64 generation = m_generation;
    for (const SseEvent &e : sse)
        handle(e, batch);
    if (!batch.isEmpty()) {
        m_stats.events += quint64(batch.size());
        if (!m_deliveredOnThisConnection) {
            m_deliveredOnThisConnection = true;
            m_backoff.reset();
        }
        Q_EMIT eventsReceived(batch);
    }
    if (generation != m_generation)
        return; // a slot stopped or restarted us
    if (!framed) {
        qCWarning(lcEvents).noquote() << framed.error().toString();
        failAttempt(framed.error());
    }
}

void EventStream::handle(const SseEvent &sse, QList<JobEvent> &batch)
{
    auto decoded = EventCodec::fromData(sse.data);
    if (!decoded) {
        ++m_stats.decodeErrors;
        if (shouldLog(m_stats.decodeErrors))
            qCWarning(lcEvents).noquote() << "unreadable event" << sse.lastEventId.left(24) << ":"
                                          << decoded.error().message << "(" << m_stats.decodeErrors << "so far)";
        // The event is lost to us; if it had an id, state built from it may now be stale.
        bool ok = false;
        const quint64 id = sse.lastEventId.toULongLong(&ok);
        if (ok && id > m_lastSeq) {
            m_lastSeq = id;
            ++m_stats.resyncs;
            Q_EMIT resyncRequired(
                id, QStringLiteral("event %1 could not be read: %2").arg(id).arg(decoded.error().message));
        }
        return;
    }
    JobEvent &e = *decoded;
    switch (e.type) {
    case JobEvent::Type::Heartbeat:
        ++m_stats.heartbeats;
        // A connection opened without a resume point learns it from the first heartbeat: every event up to the
        // newest sequence was sent before it (the stream is ordered), so a reconnect can resume from there.
        if (m_lastSeq == 0 && m_options.jobFilter == 0)
            m_lastSeq = e.seq;
        if (!m_deliveredOnThisConnection) {
            m_deliveredOnThisConnection = true;
            m_backoff.reset();
        }
        Q_EMIT heartbeatReceived(e.seq);
        return;
    case JobEvent::Type::Resync:
        ++m_stats.resyncs;
        qCInfo(lcEvents) << "resync from the service at seq" << e.seq << e.reason;
        if (e.seq > 0)
            m_lastSeq = e.seq;
        Q_EMIT resyncRequired(e.seq, e.reason.isEmpty() ? QStringLiteral("the service asked for a resync") : e.reason);
        return;
    default:
        break;
    }
    if (e.seq <= m_lastSeq) {
        ++m_stats.duplicates;
        return;
    }
    if (m_lastSeq > 0 && e.seq > m_lastSeq + 1 && m_options.jobFilter == 0) {
        ++m_stats.gaps;
        m_stats.missing += e.seq - m_lastSeq - 1;
        const QString reason = QStringLiteral("events %1–%2 never arrived").arg(m_lastSeq + 1).arg(e.seq - 1);
        qCWarning(lcEvents).noquote() << reason;
        // Deliver what came before the hole first, so the consumer's resync covers everything up to here.
        if (!batch.isEmpty()) {
            m_stats.events += quint64(batch.size());
            Q_EMIT eventsReceived(std::exchange(batch, {}));
        }
        ++m_stats.resyncs;
        Q_EMIT resyncRequired(e.seq - 1, reason);
    }
    m_lastSeq = e.seq;
    batch.append(std::move(e));
}

void EventStream::onFinished()
{
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString host = hostOf(m_options.baseUrl);
    Error e;
    if (m_abortReason == u"silent") {
        e = Error::make(Error::Kind::Timeout,
            QStringLiteral("No event or heartbeat from %1 for %2 s; reconnecting.")
                .arg(host)
                .arg(m_options.livenessTimeoutMs / 1000.0, 0, 'f', 1));
    } else if (m_headersOk && reply->error() == QNetworkReply::NoError) {
        e = Error::make(
            Error::Kind::Network, QStringLiteral("The job service at %1 ended the event stream.").arg(host));
    } else if (status == 401) {
        const QString server = JobsApi::errorMessage(reply->read(16 * 1024));
        e = Error::make(Error::Kind::Unauthorized,
            QStringLiteral("The job service at %1 rejected the token for the event stream%2.")
                .arg(host, server.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(server)),
            401);
    } else if (status == 403) {
        const QString server = JobsApi::errorMessage(reply->read(16 * 1024));
        e = Error::make(Error::Kind::Forbidden,
            QStringLiteral("The token may not read the event stream of %1%2.")
                .arg(host, server.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(server)),
            403);
    } else if (status > 0 && !m_headersOk) {
        const QString server = JobsApi::errorMessage(reply->read(16 * 1024));
        e = Error::fromHttpStatus(status,
            QStringLiteral("event stream refused by %1: %2")
                .arg(host, server.isEmpty() ? QStringLiteral("HTTP %1").arg(status) : server));
    } else if (reply->error() == QNetworkReply::ConnectionRefusedError) {
        e = Error::make(
            Error::Kind::Network, QStringLiteral("Connection to %1 refused (is the job service running?).").arg(host));
    } else if (reply->error() == QNetworkReply::OperationCanceledError
        || reply->error() == QNetworkReply::TimeoutError) {
        e = Error::make(Error::Kind::Timeout, QStringLiteral("The event stream from %1 timed out.").arg(host));
    } else {
        e = Error::make(
            Error::Kind::Network, QStringLiteral("Event stream from %1: %2").arg(host, reply->errorString()));
    }
    failAttempt(e);
}

void EventStream::failAttempt(const Error &error)
{
    ++m_generation;
    m_watchdog->stop();
    dropReply();
    ++m_stats.failures;
    m_lastError = error;
    qCInfo(lcEvents).noquote() << error.toString();
    Q_EMIT errorOccurred(error);
    scheduleRetry();
}

void EventStream::scheduleRetry()
{
    // A rejected token will not fix itself quickly; retry at the slowest pace so a corrected token on the service
    // side is still picked up without hammering it meanwhile.
    const bool auth = m_lastError.kind == Error::Kind::Unauthorized || m_lastError.kind == Error::Kind::Forbidden;
    const int delay = auth ? m_backoff.max() : m_backoff.next();
    m_retryTimer->start(delay);
    setState(State::Waiting);
}

} // namespace Baton
