#include "core/jobs/sseframer.h"

#include <random>

#include <QTest>

using namespace Baton;

namespace {
QList<SseEvent> feedAll(SseFramer &f, QByteArrayView bytes)
{
    QList<SseEvent> out;
    const auto r = f.feed(bytes, out);
    if (!r)
        qWarning() << r.error().toString();
    return out;
}

QList<SseEvent> feedInPieces(QByteArrayView bytes, const QList<qsizetype> &cuts)
{
    SseFramer f;
    QList<SseEvent> out;
    qsizetype at = 0;
    for (qsizetype cut : cuts) {
        cut = std::min(cut, bytes.size());
        if (cut < at)
            continue;
        if (!f.feed(bytes.sliced(at, cut - at), out))
            return {};
        at = cut;
    }
    if (!f.feed(bytes.sliced(at), out))
        return {};
    return out;
}
} // namespace

class TestSseFramer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dispatchesOnBlankLine()
    {
        SseFramer f;
        const auto events = feedAll(f, "event: node.state\nid: 7\ndata: {\"a\":1}\n\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].type, QByteArray("node.state"));
        QCOMPARE(events[0].data, QByteArray("{\"a\":1}"));
        QCOMPARE(events[0].lastEventId, QByteArray("7"));
        QCOMPARE(f.lastEventId(), QByteArray("7"));
    }

    void joinsDataLinesWithNewlines()
    {
        SseFramer f;
        const auto events = feedAll(f, "data: one\ndata:two\ndata:  three\n\n");
        QCOMPARE(events.size(), 1);
        // One space after the colon is removed, a second one is content.
        QCOMPARE(events[0].data, QByteArray("one\ntwo\n three"));
    }

    void acceptsEveryLineEnding_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::newRow("lf") << QByteArray("data: a\n\ndata: b\n\n");
        QTest::newRow("crlf") << QByteArray("data: a\r\n\r\ndata: b\r\n\r\n");
        QTest::newRow("cr") << QByteArray("data: a\r\rdata: b\r\r");
        QTest::newRow("mixed") << QByteArray("data: a\r\n\rdata: b\n\r\n");
    }

    void acceptsEveryLineEnding()
    {
        QFETCH(QByteArray, stream);
        SseFramer f;
        const auto events = feedAll(f, stream);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0].data, QByteArray("a"));
        QCOMPARE(events[1].data, QByteArray("b"));
    }

    // A CR at the end of one chunk and the LF at the start of the next are one line break, not two (which would
    // dispatch an event too early).
    void crlfSplitAcrossChunks()
    {
        SseFramer f;
        QList<SseEvent> out;
        QVERIFY(f.feed("data: a\r", out));
        QVERIFY(f.feed("\ndata: b\r", out));
        QVERIFY(f.feed("\n\r\n", out));
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].data, QByteArray("a\nb"));
    }

    void anySplitGivesTheSameEvents()
    {
        const QByteArray stream = "\xEF\xBB\xBF"
                                  ": keep-alive\r\n"
                                  "retry: 2500\n"
                                  "id: 1\nevent: job.created\ndata: {\"x\": \"\xC3\xA9\"}\r\n\r\n"
                                  "id: 2\ndata: line one\ndata: line two\n\n"
                                  "id\ndata: no id any more\n\n"
                                  "event: heartbeat\ndata: {}\r\r";
        SseFramer whole;
        const auto expected = feedAll(whole, stream);
        QCOMPARE(expected.size(), 4);
        QCOMPARE(expected[2].lastEventId, QByteArray());
        std::mt19937 rng(42);
        for (int round = 0; round < 300; ++round) {
            QList<qsizetype> cuts;
            const int n = int(rng() % 12);
            for (int i = 0; i < n; ++i)
                cuts << qsizetype(rng() % quint32(stream.size()));
            std::sort(cuts.begin(), cuts.end());
            QCOMPARE(feedInPieces(stream, cuts), expected);
        }
        // And byte by byte.
        QList<qsizetype> every;
        for (qsizetype i = 1; i < stream.size(); ++i)
            every << i;
        QCOMPARE(feedInPieces(stream, every), expected);
    }

    void bomOnlyAtTheStart()
    {
        SseFramer f;
        QList<SseEvent> out;
        QVERIFY(f.feed("\xEF", out));
        QVERIFY(f.feed("\xBB\xBF", out));
        QVERIFY(f.feed("data: x\n\n", out));
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].data, QByteArray("x"));
        // A BOM later is content: it makes an unknown field name, which is ignored.
        QVERIFY(f.feed("\xEF\xBB\xBF"
                       "data: y\n\n",
            out));
        QCOMPARE(out.size(), 1);
    }

    void commentsAndUnknownFieldsAreIgnored()
    {
        SseFramer f;
        const auto events = feedAll(f, ":comment\nfoo: bar\ndata\nbogus\n\n");
        // "data" without a colon is a data field with an empty value.
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].data, QByteArray(""));
    }

    void eventWithoutDataOnlyUpdatesId()
    {
        SseFramer f;
        auto events = feedAll(f, "id: 41\nevent: x\n\n");
        QVERIFY(events.isEmpty());
        QCOMPARE(f.lastEventId(), QByteArray("41"));
        events = feedAll(f, "data: next\n\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].type, QByteArray()); // the type was reset with the empty dispatch
        QCOMPARE(events[0].lastEventId, QByteArray("41"));
    }

    void idWithNulIsIgnored()
    {
        SseFramer f;
        feedAll(f, "id: 5\ndata: a\n\n");
        const auto events = feedAll(f, QByteArrayView("id: 6\0x\ndata: b\n\n", 17));
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].lastEventId, QByteArray("5"));
    }

    void retryTakesOnlyDigits()
    {
        SseFramer f;
        feedAll(f, "retry: 1x00\n\n");
        QVERIFY(!f.takeRetryMs());
        feedAll(f, "retry: 3000\n\n");
        QCOMPARE(f.takeRetryMs(), 3000);
        QVERIFY(!f.takeRetryMs()); // taken once
        feedAll(f, "retry: 99999999999999\n\n");
        QVERIFY(!f.takeRetryMs()); // absurd values are not applied
    }

    void unfinishedEventIsNotDispatched()
    {
        SseFramer f;
        const auto events = feedAll(f, "data: a\n\ndata: b\n");
        QCOMPARE(events.size(), 1);
    }

    void oversizedEventFailsAndResetRecovers()
    {
        SseFramer f(SseLimits { 1024, 4096 });
        QList<SseEvent> out;
        QByteArray big = "data: " + QByteArray(600, 'x') + "\n";
        QVERIFY(f.feed(big, out));
        const auto r = f.feed(big, out); // the second line crosses 1024 bytes of data
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::TooLarge);
        QVERIFY(f.failed());
        QCOMPARE(f.bufferedBytes(), 0);
        QVERIFY(!f.feed("data: a\n\n", out));
        f.reset();
        QVERIFY(f.feed("data: a\n\n", out));
        QCOMPARE(out.size(), 1);
    }

    void unterminatedLineIsBounded()
    {
        SseFramer f(SseLimits { 1024, 4096 });
        QList<SseEvent> out;
        const QByteArray chunk(1000, 'y');
        Result<qsizetype> r = 0;
        int fed = 0;
        while (r && fed < 100) {
            r = f.feed(chunk, out);
            ++fed;
            QVERIFY(f.bufferedBytes() <= 4096);
        }
        QVERIFY(!r);
        QCOMPARE(r.error().kind, Error::Kind::TooLarge);
        QVERIFY(fed <= 5);
    }

    // Found by fuzz_sse_framer: a long line must be refused whether it arrives in one read or in several.
    void longLinesAreRefusedWhateverTheChunking()
    {
        const QByteArray line = "comment-ish-field: " + QByteArray(300, 'n') + "\n\n";
        SseFramer whole(SseLimits { 64, 256 });
        QList<SseEvent> out;
        QVERIFY(!whole.feed(line, out));
        SseFramer split(SseLimits { 64, 256 });
        QVERIFY(split.feed(QByteArrayView(line).first(100), out));
        QVERIFY(!split.feed(QByteArrayView(line).sliced(100), out));
    }

    void defaultLimitsAreOneAndFourMebibytes()
    {
        SseFramer f;
        QCOMPARE(f.limits().maxEventBytes, 1024 * 1024);
        QCOMPARE(f.limits().maxBufferBytes, 4 * 1024 * 1024);
        QList<SseEvent> out;
        // An event just under 1 MiB passes.
        QByteArray ok = "data: " + QByteArray(1024 * 1024 - 16, 'a') + "\n\n";
        QVERIFY(f.feed(ok, out));
        QCOMPARE(out.size(), 1);
        QByteArray tooBig = "data: " + QByteArray(1024 * 1024 + 16, 'a') + "\n\n";
        QVERIFY(!f.feed(tooBig, out));
    }

    void resetKeepsLastEventIdUnlessAsked()
    {
        SseFramer f;
        feedAll(f, "id: 9\ndata: x\n\ndata: partial");
        f.reset();
        QCOMPARE(f.lastEventId(), QByteArray("9"));
        QCOMPARE(f.bufferedBytes(), 0);
        f.reset(true);
        QCOMPARE(f.lastEventId(), QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestSseFramer)
#include "tst_sseframer.moc"
