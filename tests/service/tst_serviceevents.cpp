// Integration: GET /v1/events as seen by a client written outside this project (curl): resume with
// Last-Event-ID misses and repeats nothing, the job filter, resync beyond the replay window, heartbeats, and
// events surviving a restart unchanged.

#include "servicetestenv.h"

#include <QProcess>
#include <QRegularExpression>

using namespace Baton::Test;
using nlohmann::json;

namespace {

struct SseEvent
{
    quint64 id = 0; // 0: no id line (heartbeat)
    QByteArray data;
};

QList<SseEvent> parseSse(const QByteArray &stream)
{
    QList<SseEvent> out;
    SseEvent cur;
    bool any = false;
    for (QByteArray line : stream.split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty()) {
            if (any)
                out.append(cur);
            cur = SseEvent();
            any = false;
            continue;
        }
        if (line.startsWith(':'))
            continue;
        if (line.startsWith("id: ")) {
            cur.id = line.mid(4).toULongLong();
            any = true;
        } else if (line.startsWith("data: ")) {
            cur.data = line.mid(6);
            any = true;
        }
    }
    return out;
}

// curl as the SSE client: runs until stopped, collecting the stream.
class Curl
{
public:
    Curl(const QUrl &base, const QString &pathAndQuery, const QByteArray &token, const QByteArray &lastEventId = {})
    {
        QStringList args { "-sS", "-N", "--no-buffer", "-H", "Authorization: Bearer " + QString::fromLatin1(token) };
        if (!lastEventId.isEmpty())
            args << "-H"
                 << "Last-Event-ID: " + QString::fromLatin1(lastEventId);
        args << base.toString() + pathAndQuery;
        m_process.start("curl", args);
    }
    ~Curl() { stop(); }
    bool started() { return m_process.waitForStarted(5000); }
    QByteArray output()
    {
        m_buffer += m_process.readAllStandardOutput();
        return m_buffer;
    }
    QList<SseEvent> events() { return parseSse(output()); }
    // Waits until an event with id ≥ `id` arrived.
    bool waitForId(quint64 id, int timeoutMs = 60000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            for (const SseEvent &e : events()) {
                if (e.id >= id)
                    return true;
            }
            m_process.waitForReadyRead(200);
        }
        return false;
    }
    bool waitFor(const std::function<bool(const QList<SseEvent> &)> &pred, int timeoutMs = 30000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (pred(events()))
                return true;
            m_process.waitForReadyRead(200);
        }
        return pred(events());
    }
    void stop()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
        output();
    }

private:
    QProcess m_process;
    QByteArray m_buffer;
};

quint64 newestSeq(const ServiceFixture &svc)
{
    return svc.request("GET", "/v1/health", {}, {}).json()["event_seq"].get<quint64>();
}

} // namespace

class TstServiceEvents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resumeWithCurlMissesAndRepeatsNothing();
    void jobFilterResyncAndHeartbeat();
};

void TstServiceEvents::resumeWithCurlMissesAndRepeatsNothing()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(2)), qPrintable(sim.errorString()));
    QVERIFY(setMaxOffline(sim, "2"));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim)), qPrintable(svc.errorString()));

    QList<SseEvent> all;
    quint64 lastSeen = 0;
    {
        Curl first(svc.url(), "/v1/events", ServiceFixture::viewerToken(), "0");
        QVERIFY(first.started());
        const auto launched
            = svc.request("POST", "/v1/jobs", launchBody({ { "service", "web" } }, { { "change_seconds", 1 } }));
        QCOMPARE(launched.status, 201);
        QVERIFY(first.waitForId(10));
        first.stop(); // a disconnect in the middle of the job
        for (const SseEvent &e : first.events()) {
            if (e.id > 0) {
                all.append(e);
                lastSeen = e.id;
            }
        }
        QVERIFY(svc.waitForJob(launched.json()["id"].get<qint64>())["state"] == "succeeded");
    }
    // More happens while nobody listens.
    const auto second = svc.request("POST", "/v1/jobs", launchBody({ { "nodes", { "web-1" } } }));
    QCOMPARE(second.status, 201);
    QVERIFY(svc.waitForJob(second.json()["id"].get<qint64>())["state"] == "succeeded");
    const quint64 newest = newestSeq(svc);
    QVERIFY(newest > lastSeen);

    Curl resumed(svc.url(), "/v1/events", ServiceFixture::viewerToken(), QByteArray::number(lastSeen));
    QVERIFY(resumed.started());
    QVERIFY(resumed.waitForId(newest));
    resumed.stop();
    for (const SseEvent &e : resumed.events()) {
        if (e.id > 0)
            all.append(e);
    }
    // 1..newest, each exactly once, in order, and every data line is the event with that sequence number.
    QCOMPARE(quint64(all.size()), newest);
    for (qsizetype i = 0; i < all.size(); ++i) {
        QCOMPARE(all[i].id, quint64(i + 1));
        const json j
            = json::parse(all[i].data.constData(), all[i].data.constData() + all[i].data.size(), nullptr, false);
        QVERIFY(j.is_object());
        QCOMPARE(j["seq"].get<quint64>(), all[i].id);
    }

    // Events are persisted before they are sent: after a restart the replay from 0 is byte for byte the same.
    QCOMPARE(svc.stop(), 0);
    QVERIFY2(svc.restart(), qPrintable(svc.errorString()));
    Curl replay(svc.url(), "/v1/events", ServiceFixture::viewerToken(), "0");
    QVERIFY(replay.started());
    QVERIFY(replay.waitForId(newest));
    replay.stop();
    QList<SseEvent> again;
    for (const SseEvent &e : replay.events()) {
        if (e.id > 0 && e.id <= newest)
            again.append(e);
    }
    QCOMPARE(again.size(), all.size());
    for (qsizetype i = 0; i < all.size(); ++i)
        QCOMPARE(again[i].data, all[i].data);
}

void TstServiceEvents::jobFilterResyncAndHeartbeat()
{
    ConsulSimFixture sim;
    QVERIFY2(sim.start(webDatacenter(1)), qPrintable(sim.errorString()));
    ServiceFixture svc;
    QVERIFY2(svc.start(serviceOptions(sim, { "--heartbeat-interval", "300" })), qPrintable(svc.errorString()));
    const auto a = svc.request("POST", "/v1/jobs", launchBody({ { "nodes", { "web-1" } } }));
    QCOMPARE(a.status, 201);
    QVERIFY(svc.waitForJob(a.json()["id"].get<qint64>())["state"] == "succeeded");
    const auto b = svc.request("POST", "/v1/jobs", launchBody({ { "nodes", { "web-1" } } }));
    QCOMPARE(b.status, 201);
    const qint64 jobB = b.json()["id"].get<qint64>();
    QVERIFY(svc.waitForJob(jobB)["state"] == "succeeded");
    const quint64 newest = newestSeq(svc);

    // ?job= gives that job's events only, in order.
    {
        Curl filtered(svc.url(), QStringLiteral("/v1/events?job=%1").arg(jobB), ServiceFixture::viewerToken(), "0");
        QVERIFY(filtered.started());
        QVERIFY(filtered.waitFor([&](const QList<SseEvent> &evs) {
            for (const SseEvent &e : evs) {
                if (e.id == 0 && e.data.contains("\"heartbeat\""))
                    return true; // a heartbeat comes after the replay
            }
            return false;
        }));
        filtered.stop();
        quint64 previous = 0;
        int count = 0;
        for (const SseEvent &e : filtered.events()) {
            if (e.id == 0)
                continue;
            const json j = json::parse(e.data.constData(), e.data.constData() + e.data.size(), nullptr, false);
            QCOMPARE(j["job"].get<qint64>(), jobB);
            QVERIFY(e.id > previous);
            previous = e.id;
            ++count;
        }
        QVERIFY(count > 5);
        QVERIFY(previous <= newest);
    }
    // A Last-Event-ID the service cannot have issued gets an explicit resync carrying the newest sequence.
    {
        Curl ahead(svc.url(), "/v1/events", ServiceFixture::viewerToken(), "987654321");
        QVERIFY(ahead.started());
        QVERIFY(ahead.waitFor([](const QList<SseEvent> &evs) { return !evs.isEmpty(); }));
        ahead.stop();
        const SseEvent first = ahead.events().first();
        QCOMPARE(first.id, newest);
        QVERIFY(first.data.contains("\"type\":\"resync\""));
    }
    // Beyond the replay window (the store keeps the newest 10 events here) a resumed client is told to resync.
    QCOMPARE(svc.stop(), 0);
    ServiceFixture::Options o = serviceOptions(sim, { "--event-retention", "10" });
    o.db = svc.dbLocation();
    ServiceFixture small;
    QVERIFY2(small.start(o), qPrintable(small.errorString()));
    {
        Curl behind(small.url(), "/v1/events", ServiceFixture::viewerToken(), "1");
        QVERIFY(behind.started());
        QVERIFY(behind.waitFor([](const QList<SseEvent> &evs) { return !evs.isEmpty(); }));
        behind.stop();
        const SseEvent first = behind.events().first();
        QVERIFY(first.data.contains("\"type\":\"resync\""));
        QCOMPARE(first.id, newest);
    }
    // A resume inside the window works as usual.
    {
        Curl inside(small.url(), "/v1/events", ServiceFixture::viewerToken(), QByteArray::number(newest - 3));
        QVERIFY(inside.started());
        QVERIFY(inside.waitForId(newest));
        inside.stop();
        QList<quint64> ids;
        for (const SseEvent &e : inside.events()) {
            if (e.id > 0)
                ids.append(e.id);
        }
        QCOMPARE(ids, (QList<quint64> { newest - 2, newest - 1, newest }));
    }
    // Malformed ids and unknown jobs are refused with JSON errors.
    QCOMPARE(
        small.request("GET", "/v1/events", {}, ServiceFixture::viewerToken(), { { "Last-Event-ID", "abc" } }).status,
        400);
    QCOMPARE(small.request("GET", "/v1/events?job=999", {}, ServiceFixture::viewerToken()).status, 404);
    QCOMPARE(small.request("GET", "/v1/events", {}, {}).status, 401);
}

QTEST_GUILESS_MAIN(TstServiceEvents)
#include "tst_serviceevents.moc"
