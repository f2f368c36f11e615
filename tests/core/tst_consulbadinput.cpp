// The bad-input corpus (tests/data/fuzz/consul-decoders/, also the fuzz target's seeds) and generated
// hostile bodies through every Consul decoder: each either decodes or gives a typed Decode/TooLarge error with
// a message; nothing crashes, hangs or grows without bound. Under the asan preset this also checks memory.
#include "core/consul/consuldecode.h"
#include "support/consuldecoderharness.h"
#include "support/testpaths.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace Baton;

namespace {

QByteArray read(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

QString corpusDir()
{
    return TestPaths::testDataDir() + "/fuzz/consul-decoders";
}

} // namespace

class tst_ConsulBadInput : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void corpusIsPresent() { QVERIFY(QDir(corpusDir()).entryList(QDir::Files).size() >= 50); }

    void everyCorpusBodyDecodesOrFailsCleanly_data()
    {
        QTest::addColumn<QString>("path");
        for (const QString &dir : { corpusDir(), TestPaths::testDataDir() + "/consul-samples" }) {
            for (const QFileInfo &fi : QDir(dir).entryInfoList(QDir::Files, QDir::Name))
                QTest::newRow(qPrintable(fi.fileName())) << fi.absoluteFilePath();
        }
    }

    void everyCorpusBodyDecodesOrFailsCleanly()
    {
        QFETCH(QString, path);
        const ConsulDecoderHarness::Outcome o = ConsulDecoderHarness::run(read(path));
        QVERIFY2(o.problems.isEmpty(), qPrintable(o.problems.join("; ")));
        QVERIFY(!o.accepted.isEmpty() || !o.rejected.isEmpty());
    }

    void malformedBodiesAreRejectedByTheDecoderTheyTarget_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("decoder");
        const QList<QPair<const char *, const char *>> cases = {
            { "empty.json", "parse" },
            { "whitespace.json", "parse" },
            { "truncated-array.json", "parse" },
            { "truncated-string.json", "parse" },
            { "trailing-garbage.json", "parse" },
            { "two-documents.json", "parse" },
            { "html-error-page.json", "parse" },
            { "nan.json", "parse" },
            { "infinity.json", "parse" },
            { "comments.json", "parse" },
            { "single-quotes.json", "parse" },
            { "bad-escape.json", "parse" },
            { "lone-surrogate.json", "parse" },
            { "invalid-utf8.json", "parse" },
            { "overlong-utf8.json", "parse" },
            { "control-char-in-string.json", "parse" },
            { "nul-byte.json", "parse" },
            { "huge-exponent.json", "parse" },
            { "deep-nesting-1000.json", "parse" },
            { "deep-objects-200.json", "parse" },
            { "index-overflow-uint64.json", "catalogNodes" },
            { "kv-flags-overflow.json", "kvEntries" },
            { "kv-flags-negative.json", "kvEntries" },
            { "kv-flags-float.json", "kvEntries" },
            { "kv-flags-string.json", "kvEntries" },
            { "kv-value-not-base64.json", "kvEntries" },
            { "kv-value-bad-padding.json", "kvEntries" },
            { "kv-value-number.json", "kvEntries" },
            { "kv-key-missing.json", "kvEntries" },
            { "kv-key-null.json", "kvEntries" },
            { "kv-two-entries-for-one-key.json", "kvSingle" },
            { "kv-entry-not-object.json", "kvEntries" },
            { "kv-keys-not-strings.json", "kvKeys" },
            { "health-entry-without-node.json", "healthService" },
            { "health-node-is-string.json", "healthService" },
            { "health-checks-object.json", "healthService" },
            { "health-check-status-number.json", "healthChecks" },
            { "health-check-without-id.json", "healthChecks" },
            { "health-tags-object.json", "healthService" },
            { "health-port-huge.json", "healthService" },
            { "health-port-string.json", "healthService" },
            { "node-meta-nested.json", "catalogNodes" },
            { "node-tagged-addresses-array.json", "catalogNodes" },
            { "catalog-services-tags-number.json", "catalogServices" },
            { "catalog-services-array.json", "catalogServices" },
            { "catalog-node-services-string.json", "catalogNode" },
            { "catalog-node-without-node.json", "catalogNode" },
            { "session-lockdelay-string.json", "sessions" },
            { "session-ttl-number.json", "sessions" },
            { "session-ttl-garbage.json", "sessions" },
            { "session-behavior-unknown.json", "sessions" },
            { "session-servicechecks-strings.json", "sessions" },
            { "session-create-id-empty.json", "sessionCreated" },
            { "session-create-id-number.json", "sessionCreated" },
            { "agent-self-config-null.json", "agentSelf" },
            { "agent-self-nodename-number.json", "agentSelf" },
            { "agent-services-value-array.json", "agentServices" },
            { "agent-checks-value-string.json", "agentChecks" },
            { "txn-results-object.json", "txnResult" },
            { "txn-errors-strings.json", "txnResult" },
            { "txn-opindex-float.json", "txnResult" },
            { "semaphore-limit-string.json", "semaphoreLock" },
            { "semaphore-limit-negative.json", "semaphoreLock" },
            { "semaphore-holders-array.json", "semaphoreLock" },
            { "semaphore-holder-value-string.json", "semaphoreLock" },
        };
        for (const auto &c : cases)
            QTest::newRow(c.first) << QString::fromLatin1(c.first) << QString::fromLatin1(c.second);
    }

    void malformedBodiesAreRejectedByTheDecoderTheyTarget()
    {
        QFETCH(QString, file);
        QFETCH(QString, decoder);
        const ConsulDecoderHarness::Outcome o = ConsulDecoderHarness::run(read(corpusDir() + "/" + file));
        QVERIFY2(
            o.rejected.contains(decoder), qPrintable(decoder + " accepted it; accepted: " + o.accepted.join(", ")));
        QVERIFY(!o.accepted.contains(decoder));
    }

    void validCorpusBodiesDecode()
    {
        const auto health = ConsulDecoderHarness::run(read(corpusDir() + "/valid-health-service.json"));
        QVERIFY(health.accepted.contains("healthService"));
        QVERIFY(health.accepted.contains("compose"));
        const auto kv = ConsulDecoderHarness::run(read(corpusDir() + "/valid-kv-semaphore.json"));
        QVERIFY(kv.accepted.contains("kvEntries"));
        QVERIFY(kv.accepted.contains("compose"));
        const auto unicode = ConsulDecoderHarness::run(read(corpusDir() + "/unicode-keys-and-values.json"));
        QVERIFY(unicode.accepted.contains("kvEntries"));
        const auto wide = ConsulDecoderHarness::run(read(corpusDir() + "/wide-but-shallow.json"));
        QVERIFY(wide.accepted.contains("catalogNodes"));
    }

    void generatedHostileBodies()
    {
        // 100,000 levels of nesting: refused before nlohmann builds anything.
        auto deep = ConsulDecode::parse(QByteArray(100000, '[') + QByteArray(100000, ']'));
        QVERIFY(!deep);
        QCOMPARE(deep.error().kind, Error::Kind::Decode);
        auto deepObjects = ConsulDecode::parse(QByteArray("{\"a\":").repeated(100000));
        QVERIFY(!deepObjects);

        // A 16 MiB health answer decodes (well within the 64 MiB default) ...
        const QByteArray entry = "{\"Node\":{\"Node\":\"web\"},\"Service\":{\"Service\":\"web\"},\"Checks\":"
                                 "[{\"CheckID\":\"serfHealth\",\"Status\":\"passing\",\"Output\":\""
            + QByteArray(400, 'x') + "\"}]}";
        QByteArray big = "[";
        while (big.size() < 16 * 1024 * 1024)
            big += entry + ',';
        big += entry + ']';
        auto parsed = ConsulDecode::parse(big);
        QVERIFY(parsed);
        auto decoded = ConsulDecode::healthService(*parsed);
        QVERIFY(decoded);
        QVERIFY(decoded->size() > 30000);
        // ... and the same body is refused, as a size error, under a smaller limit.
        auto capped = ConsulDecode::parse(big, JsonLimits { 1024 * 1024, 64 });
        QVERIFY(!capped);
        QCOMPARE(capped.error().kind, Error::Kind::TooLarge);
        QCOMPARE(JsonLimits::consulDefault().maxBytes, std::size_t(64) * 1024 * 1024);

        // Every single-byte truncation of a real body fails cleanly.
        const QByteArray sample = read(corpusDir() + "/valid-health-service.json");
        for (qsizetype n = 0; n < sample.size(); ++n) {
            const auto o = ConsulDecoderHarness::run(sample.left(n));
            QVERIFY2(o.problems.isEmpty(), qPrintable(o.problems.join("; ")));
            QVERIFY(!o.parsed || n == 0);
        }
    }
};

QTEST_GUILESS_MAIN(tst_ConsulBadInput)
#include "tst_consulbadinput.moc"
