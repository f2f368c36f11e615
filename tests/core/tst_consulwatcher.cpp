// ConsulWatcher hygiene against FakeConsulServer over simulated time: the watcher and the server share a
// ManualClock, so an hour of blocking queries, token-bucket waits and back-offs runs in well under a second
// and request counts are the same on every run.
#include "core/consul/consulclient.h"
#include "core/consul/consulwatcher.h"
#include "support/fakeconsulserver.h"
#include "support/manualclock.h"

#include <QSignalSpy>
#include <QTest>

using namespace Baton;
using Fake = FakeConsulServer;

namespace {

constexpr qint64 kMinute = 60 * 1000;

// The most requests the server saw in any 60-second window.
int maxPerMinute(const QList<Fake::Request> &requests)
{
    int best = 0;
    for (qsizetype i = 0; i < requests.size(); ++i) {
        int n = 0;
        for (qsizetype j = i; j < requests.size() && requests[j].atMs < requests[i].atMs + kMinute; ++j)
            ++n;
        best = std::max(best, n);
    }
    return best;
}

QList<QByteArray> indexesSent(const QList<Fake::Request> &requests)
{
    QList<QByteArray> out;
    for (const Fake::Request &r : requests)
        out << (r.hasParam("index") ? r.param("index") : QByteArray("-"));
    return out;
}

struct Rig
{
    ManualClock clock;
    Fake server { &clock };
    std::unique_ptr<ConsulClient> client;

    bool init(qint64 offThreadDecodeBytes = 256 * 1024)
    {
        if (!server.listen())
            return false;
        ConsulConfig config;
        config.address = server.url();
        config.offThreadDecodeBytes = offThreadDecodeBytes;
        client = std::make_unique<ConsulClient>(config);
        return true;
    }

    ConsulWatchOptions options(qint64 waitMs = 5 * kMinute) const
    {
        ConsulWatchOptions o;
        o.waitMs = waitMs;
        o.clock = const_cast<ManualClock *>(&clock);
        o.seed = 42;
        return o;
    }

    // Idle or waiting on the clock: either a timer of the watcher, or its request held by the server.
    std::function<bool()> settled(const ConsulWatcher *w) const
    {
        return [this, w] {
            return w->state() == ConsulWatcher::State::Waiting
                || (w->state() == ConsulWatcher::State::Fetching && server.heldCount() > 0)
                || w->state() == ConsulWatcher::State::Stopped;
        };
    }

    bool runFor(const ConsulWatcher *w, qint64 ms) { return clock.runUntil(clock.nowMs() + ms, settled(w)); }
};

} // namespace

class tst_ConsulWatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void idleWatchMakesOneRequestPerWait()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setContent(10, "{\"web\":[\"blue\"]}");
        std::unique_ptr<ConsulWatch<Consul::CatalogServices>> w(
            ConsulWatches::catalogServices(rig.client.get(), rig.options(5 * kMinute)));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QVERIFY(rig.runFor(w.get(), 60 * kMinute - 1000));
        // One plain fetch, then one blocking query per 5-minute wait: 12 in the hour.
        QCOMPARE(rig.server.requestCount(), 13);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(w->value().value("web"), QStringList { "blue" });
        const QList<QByteArray> sent = indexesSent(rig.server.requests());
        QCOMPARE(sent.first(), QByteArray("-"));
        for (qsizetype i = 1; i < sent.size(); ++i)
            QCOMPARE(sent[i], QByteArray("10"));
        QCOMPARE(rig.server.requests().last().param("wait"), QByteArray("300000ms"));
    }

    void changeWakesTheWatchAndOnlyRealChangesEmit()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setContent(10, "[{\"Key\":\"a\",\"Value\":\"MQ==\"}]");
        std::unique_ptr<ConsulWatch<QList<Consul::KvEntry>>> w(
            ConsulWatches::kvTree(rig.client.get(), "baton/", rig.options()));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(w->value().first().value, QByteArray("1"));

        rig.server.setContent(11, "[{\"Key\":\"a\",\"Value\":\"Mg==\"}]"); // wakes the held query at once
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(w->value().first().value, QByteArray("2"));
        QCOMPARE(w->index(), 11u);

        // A wake-up with a new index but the same content (an idempotent write elsewhere) is not a change.
        rig.server.setContent(12, "[ {\"Value\":\"Mg==\", \"Key\":\"a\"} ]");
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(w->index(), 12u);
        QCOMPARE(w->changeCount(), 2);
        QVERIFY(w->requestCount() >= 4);
    }

    void decodingOnAWorkerThreadBehavesTheSame()
    {
        Rig rig;
        QVERIFY(rig.init(1)); // every body is "large": parse, digest and decode happen on the thread pool
        rig.server.setContent(10, "[{\"Key\":\"a\",\"Value\":\"MQ==\"}]");
        std::unique_ptr<ConsulWatch<QList<Consul::KvEntry>>> w(
            ConsulWatches::kvTree(rig.client.get(), "baton/", rig.options()));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 1);
        rig.server.setContent(11, "[{\"Key\":\"a\",\"Value\":\"Mg==\"}]");
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        rig.server.setContent(12, "[ {\"Value\":\"Mg==\", \"Key\":\"a\"} ]");
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(w->value().first().value, QByteArray("2"));
        QCOMPARE(w->index(), 12u);
        w->stop();
        // A stop while a body is being decoded on the pool: the late result is dropped.
        rig.server.setContent(13, "[{\"Key\":\"a\",\"Value\":\"Mw==\"}]");
        w->start();
        w->stop();
        QTest::qWait(50);
        QCOMPARE(changed.count(), 2);
    }

    void reorderedContentIsNotAChange()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setContent(10, "{\"a\":[\"x\",\"y\"],\"b\":[]}");
        std::unique_ptr<ConsulWatch<Consul::CatalogServices>> w(
            ConsulWatches::catalogServices(rig.client.get(), rig.options()));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        rig.server.setContent(11, "{\"b\":[],\"a\":[\"y\",\"x\"]}");
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 1);
        rig.server.setContent(12, "{\"b\":[],\"a\":[\"y\",\"z\"]}");
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 2);
    }

    void backwardsIndexResetsToOnePlainFetch()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setContent(100, "[]");
        std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(
            ConsulWatches::catalogNodes(rig.client.get(), rig.options()));
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(w->index(), 100u);
        // A snapshot restore: the server now numbers from 40.
        rig.server.setContent(40, "[{\"Node\":\"web-1\"}]");
        QVERIFY(rig.runFor(w.get(), 40 * 1000));
        QCOMPARE(w->resetCount(), 1);
        // Sent: plain, block on 100 (woken with 40 < 100), one plain fetch, then block on 40.
        QCOMPARE(indexesSent(rig.server.requests()), (QList<QByteArray> { "-", "100", "-", "40" }));
        QCOMPARE(w->value().size(), 1);
        QCOMPARE(w->index(), 40u);
    }

    void indexZeroIsNeverSentBack()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setMode(Fake::Mode::ImmediateZeroIndex);
        std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(
            ConsulWatches::catalogNodes(rig.client.get(), rig.options()));
        w->start();
        QVERIFY(rig.runFor(w.get(), 10 * kMinute));
        const QList<QByteArray> sent = indexesSent(rig.server.requests());
        QVERIFY(sent.size() > 5);
        QCOMPARE(sent.first(), QByteArray("-"));
        for (qsizetype i = 1; i < sent.size(); ++i)
            QCOMPARE(sent[i], QByteArray("1")); // clamped to 1, never 0
        QVERIFY(maxPerMinute(rig.server.requests()) <= 6);
    }

    void misbehavingServersGetAtMostSixRequestsAMinute_data()
    {
        QTest::addColumn<int>("mode");
        QTest::newRow("changing index") << int(Fake::Mode::ImmediateChangingIndex);
        QTest::newRow("backwards index") << int(Fake::Mode::ImmediateBackwardsIndex);
        QTest::newRow("zero index") << int(Fake::Mode::ImmediateZeroIndex);
        QTest::newRow("same index, no blocking") << int(Fake::Mode::ImmediateSameIndex);
        QTest::newRow("no index header") << int(Fake::Mode::ImmediateNoIndex);
        QTest::newRow("content churn") << int(Fake::Mode::ImmediateChurn);
    }

    void misbehavingServersGetAtMostSixRequestsAMinute()
    {
        QFETCH(int, mode);
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setMode(Fake::Mode(mode));
        std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(
            ConsulWatches::catalogNodes(rig.client.get(), rig.options()));
        w->start();
        QVERIFY(rig.runFor(w.get(), 30 * kMinute));
        // Burst of 2, then one per 15 s: 4 a minute in the long run, never more than 6 in any minute.
        QVERIFY2(
            maxPerMinute(rig.server.requests()) <= 6, qPrintable(QString::number(maxPerMinute(rig.server.requests()))));
        QVERIFY(rig.server.requestCount() >= 30 * 4 - 2);
        QVERIFY(rig.server.requestCount() <= 30 * 4 + 3);
        QCOMPARE(w->consecutiveErrors(), 0);
    }

    void errorsBackOffWithJitterThenRecover()
    {
        Rig rig;
        QVERIFY(rig.init());
        bool failing = true;
        rig.server.setHandler([&](const Fake::Request &r) {
            if (failing)
                return Fake::Response::text(500, "rpc error: No cluster leader");
            if (r.hasParam("index") && !r.wokenUp) {
                Fake::Response hold;
                hold.holdMs = r.waitMs();
                return hold;
            }
            return Fake::Response::json("[{\"Node\":\"web-1\"}]", 7);
        });
        std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(
            ConsulWatches::catalogNodes(rig.client.get(), rig.options()));
        QSignalSpy errors(w.get(), &ConsulWatcher::errorOccurred);
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QVERIFY(rig.runFor(w.get(), 30 * kMinute));
        const QList<Fake::Request> requests = rig.server.requests();
        QCOMPARE(errors.count(), requests.size());
        QVERIFY(maxPerMinute(requests) <= 6);
        // Delays grow to the 60 s cap; each is jittered over the upper half of its back-off.
        QList<qint64> gaps;
        for (qsizetype i = 1; i < requests.size(); ++i)
            gaps << requests[i].atMs - requests[i - 1].atMs;
        QVERIFY(gaps.size() > 10);
        for (qint64 gap : gaps.mid(gaps.size() - 10)) {
            QVERIFY2(gap >= 30000 && gap <= 60000, qPrintable(QString::number(gap)));
        }
        QVERIFY(std::adjacent_find(gaps.end() - 10, gaps.end(), std::not_equal_to<>()) != gaps.end());
        QCOMPARE(w->lastError()->httpStatus, 500);
        QCOMPARE(w->lastError()->message, "rpc error: No cluster leader");
        QCOMPARE(changed.count(), 0);

        failing = false;
        QVERIFY(rig.runFor(w.get(), 2 * kMinute));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(w->consecutiveErrors(), 0);
        QVERIFY(!w->lastError().has_value());
        QCOMPARE(w->value().first().name, "web-1");
    }

    void undecodableBodyKeepsTheLastValueAndIsFetchedAgain()
    {
        Rig rig;
        QVERIFY(rig.init());
        QByteArray body = "[{\"Node\":\"web-1\"}]";
        quint64 index = 5;
        rig.server.setHandler([&](const Fake::Request &r) {
            if (r.hasParam("index") && r.param("index").toULongLong() >= index && !r.wokenUp) {
                Fake::Response hold;
                hold.holdMs = r.waitMs();
                return hold;
            }
            return Fake::Response::json(body, index);
        });
        std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(
            ConsulWatches::catalogNodes(rig.client.get(), rig.options()));
        QSignalSpy errors(w.get(), &ConsulWatcher::errorOccurred);
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(w->value().size(), 1);
        body = "[{\"Node\":42}]";
        index = 6;
        rig.server.wakeAll();
        QVERIFY(rig.runFor(w.get(), 2 * kMinute));
        QVERIFY(errors.count() >= 2); // retried rather than blocked on index 6
        QCOMPARE(w->value().first().name, "web-1"); // last good value kept
        QCOMPARE(w->index(), 5u);
        body = "[{\"Node\":\"web-2\"}]";
        QVERIFY(rig.runFor(w.get(), 2 * kMinute));
        QCOMPARE(w->value().first().name, "web-2");
        QCOMPARE(w->index(), 6u);
    }

    void missingKeyIsContentNotAnError()
    {
        Rig rig;
        QVERIFY(rig.init());
        QByteArray body;
        quint64 index = 20;
        rig.server.setHandler([&](const Fake::Request &r) {
            if (r.hasParam("index") && r.param("index").toULongLong() >= index && !r.wokenUp) {
                Fake::Response hold;
                hold.holdMs = r.waitMs();
                return hold;
            }
            if (body.isEmpty()) {
                Fake::Response missing = Fake::Response::text(404, "");
                missing.index = QByteArray::number(index);
                return missing;
            }
            return Fake::Response::json(body, index);
        });
        std::unique_ptr<ConsulWatch<std::optional<Consul::KvEntry>>> w(
            ConsulWatches::kvKey(rig.client.get(), "baton/services/web/max_offline", rig.options()));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        QSignalSpy errors(w.get(), &ConsulWatcher::errorOccurred);
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 1);
        QVERIFY(!w->value().has_value());
        QCOMPARE(w->index(), 20u);
        body = "[{\"Key\":\"baton/services/web/max_offline\",\"Value\":\"MjUl\",\"ModifyIndex\":21}]";
        index = 21;
        rig.server.wakeAll();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(w->value()->value, QByteArray("25%"));
        QCOMPARE(errors.count(), 0);
    }

    void stopDropsTheRequestInFlightAndRestartResumes()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setContent(10, "[]");
        std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(
            ConsulWatches::catalogNodes(rig.client.get(), rig.options()));
        QSignalSpy changed(w.get(), &ConsulWatcher::changed);
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(rig.server.heldCount(), 1);
        w->stop();
        QCOMPARE(w->state(), ConsulWatcher::State::Stopped);
        QTRY_COMPARE(rig.server.heldCount(), 0); // the held query's connection was closed
        rig.server.setContent(11, "[{\"Node\":\"a\"}]");
        QTest::qWait(20);
        QCOMPARE(changed.count(), 1); // nothing delivered while stopped
        w->start();
        QVERIFY(rig.runFor(w.get(), 20 * 1000));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(indexesSent(rig.server.requests()).last(), QByteArray("11")); // resumed blocking where it was
    }

    void stopsWhenTheClientGoes()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setContent(10, "[]");
        std::unique_ptr<ConsulWatch<QList<Consul::Node>>> w(
            ConsulWatches::catalogNodes(rig.client.get(), rig.options()));
        w->start();
        QVERIFY(rig.runFor(w.get(), 1000));
        QCOMPARE(w->state(), ConsulWatcher::State::Fetching);
        rig.client.reset();
        QCOMPARE(w->state(), ConsulWatcher::State::Stopped);
        QVERIFY(!w->isRunning());
        QTRY_COMPARE(rig.server.heldCount(), 0);
    }

    void slotMayDeleteTheWatcher()
    {
        Rig rig;
        QVERIFY(rig.init());
        rig.server.setContent(10, "[]");
        auto *w = ConsulWatches::catalogNodes(rig.client.get(), rig.options());
        QPointer<ConsulWatcher> guard(w);
        connect(w, &ConsulWatcher::changed, w, [w] { delete w; });
        w->start();
        QTRY_VERIFY(guard.isNull());
        QTest::qWait(20);
        QTRY_COMPARE(rig.server.heldCount(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_ConsulWatcher)
#include "tst_consulwatcher.moc"
