#include "app/tokenstore.h"

#include <sys/stat.h>

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Baton;

namespace {

// A keychain that is not there: every operation fails like QtKeychain does without a Secret Service.
class BrokenKeychain : public SecretBackend
{
public:
    int calls = 0;
    void read(const QString &, ReadDone done) override
    {
        ++calls;
        done(fail(Error::Kind::Io, "keychain: org.freedesktop.secrets was not provided by any .service files"));
    }
    void write(const QString &, const QByteArray &, WriteDone done) override
    {
        ++calls;
        done(fail(Error::Kind::Io, "keychain: org.freedesktop.secrets was not provided by any .service files"));
    }
    void remove(const QString &, WriteDone done) override
    {
        ++calls;
        done(fail(Error::Kind::Io, "keychain: not there"));
    }
    QString describe() const override { return "broken keychain"; }
};

// A keychain that works, in memory.
class MemoryKeychain : public SecretBackend
{
public:
    QMap<QString, QByteArray> entries;
    void read(const QString &key, ReadDone done) override
    {
        done(entries.contains(key) ? std::optional<QByteArray>(entries.value(key)) : std::optional<QByteArray>());
    }
    void write(const QString &key, const QByteArray &secret, WriteDone done) override
    {
        entries.insert(key, secret);
        done({});
    }
    void remove(const QString &key, WriteDone done) override
    {
        entries.remove(key);
        done({});
    }
    QString describe() const override { return "memory keychain"; }
};

mode_t modeOf(const QString &path)
{
    struct stat st
    {
    };
    ::stat(QFile::encodeName(path).constData(), &st);
    return st.st_mode & 0777;
}

Result<QByteArray> readSync(TokenStore &store, const QString &profile, TokenStore::Kind kind)
{
    std::optional<Result<QByteArray>> out;
    store.read(profile, kind, nullptr, [&out](Result<QByteArray> r) { out = std::move(r); });
    (void)QTest::qWaitFor([&] { return out.has_value(); }, 30000);
    return out ? *out : Result<QByteArray>(fail(Error::Kind::Timeout, "no answer"));
}

Result<void> writeSync(TokenStore &store, const QString &profile, TokenStore::Kind kind, const QByteArray &token)
{
    std::optional<Result<void>> out;
    store.write(profile, kind, token, nullptr, [&out](Result<void> r) { out = std::move(r); });
    (void)QTest::qWaitFor([&] { return out.has_value(); }, 30000);
    return out ? *out : Result<void>(fail(Error::Kind::Timeout, "no answer"));
}

} // namespace

class TestTokenStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fileIsPrivateFromTheFirstByte()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("cfg/baton/tokens.json");
        FileSecretBackend file(path);
        std::optional<Result<void>> w;
        file.write("prod/job-service", "s3cret", [&w](Result<void> r) { w = r; });
        QVERIFY(w && *w);
        QCOMPARE(modeOf(path), mode_t(0600));
        QCOMPARE(modeOf(dir.filePath("cfg/baton")), mode_t(0700));
        QVERIFY(!QFile::exists(path + ".tmp"));
        std::optional<Result<std::optional<QByteArray>>> r;
        file.read("prod/job-service", [&r](Result<std::optional<QByteArray>> v) { r = v; });
        QVERIFY(r && *r && r->value().has_value());
        QCOMPARE(**r->operator->(), QByteArray("s3cret"));
        file.read("other", [&r](Result<std::optional<QByteArray>> v) { r = v; });
        QVERIFY(r && *r && !r->value().has_value());
    }

    void readableByOthersIsRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("tokens.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"version":1,"tokens":{"a/consul":"x"}})");
        f.close();
        QFile::setPermissions(
            path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
        FileSecretBackend file(path);
        std::optional<Result<std::optional<QByteArray>>> r;
        file.read("a/consul", [&r](Result<std::optional<QByteArray>> v) { r = v; });
        QVERIFY(r && !*r);
        QVERIFY2(r->error().message.contains("chmod 600"), qPrintable(r->error().message));
        QVERIFY(r->error().message.contains("0644"));
    }

    void symlinksAndGarbageAreRefused()
    {
        QTemporaryDir dir;
        const QString target = dir.filePath("elsewhere.json");
        QFile t(target);
        QVERIFY(t.open(QIODevice::WriteOnly));
        t.close();
        const QString link = dir.filePath("tokens.json");
        QVERIFY(QFile::link(target, link));
        std::optional<Result<std::optional<QByteArray>>> r;
        FileSecretBackend(link).read("x", [&r](Result<std::optional<QByteArray>> v) { r = v; });
        QVERIFY(r && !*r);
        QVERIFY(r->error().message.contains("not a regular file"));

        const QString bad = dir.filePath("bad.json");
        QFile b(bad);
        QVERIFY(b.open(QIODevice::WriteOnly));
        b.write("{\"tokens\": [1,2]}");
        b.close();
        QFile::setPermissions(bad, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        FileSecretBackend(bad).read("x", [&r](Result<std::optional<QByteArray>> v) { r = v; });
        QVERIFY(r && !*r);
        QCOMPARE(r->error().kind, Error::Kind::Decode);
    }

    // Where no Secret Service runs, the store falls back to the 0600 file once and says so.
    void fallsBackToTheFileWithoutAKeychain()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("tokens.json");
        auto *broken = new BrokenKeychain;
        TokenStore store(
            std::unique_ptr<SecretBackend>(broken), std::make_unique<FileSecretBackend>(path), TokenStore::Mode::Auto);
        QSignalSpy fellBack(&store, &TokenStore::fellBack);
        QVERIFY(writeSync(store, "lab", TokenStore::Kind::JobService, "tok-1"));
        QCOMPARE(fellBack.size(), 1);
        QVERIFY(store.usingFallback());
        QVERIFY(store.describe().contains(path));
        QCOMPARE(modeOf(path), mode_t(0600));
        auto r = readSync(store, "lab", TokenStore::Kind::JobService);
        QVERIFY(r);
        QCOMPARE(*r, QByteArray("tok-1"));
        QCOMPARE(broken->calls, 1); // decided once per run
        QVERIFY(writeSync(store, "lab", TokenStore::Kind::JobService, {})); // forget it
        r = readSync(store, "lab", TokenStore::Kind::JobService);
        QVERIFY(r && r->isEmpty());
    }

    void forcedFileModeNeverTouchesTheKeychain()
    {
        QTemporaryDir dir;
        auto *keychain = new MemoryKeychain;
        TokenStore store(std::unique_ptr<SecretBackend>(keychain),
            std::make_unique<FileSecretBackend>(dir.filePath("t.json")), TokenStore::Mode::FileOnly);
        QVERIFY(writeSync(store, "p", TokenStore::Kind::Consul, "c"));
        QVERIFY(keychain->entries.isEmpty());
        QCOMPARE(*readSync(store, "p", TokenStore::Kind::Consul), QByteArray("c"));
    }

    void keychainOnlyModeReportsTheError()
    {
        QTemporaryDir dir;
        TokenStore store(std::make_unique<BrokenKeychain>(),
            std::make_unique<FileSecretBackend>(dir.filePath("t.json")), TokenStore::Mode::KeychainOnly);
        auto r = writeSync(store, "p", TokenStore::Kind::Consul, "c");
        QVERIFY(!r);
        QVERIFY(r.error().message.contains("org.freedesktop.secrets"));
        QVERIFY(!QFile::exists(dir.filePath("t.json")));
    }

    void aWorkingKeychainWinsAndTheFileCopyGoes()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("t.json");
        {
            FileSecretBackend file(path);
            file.write("p/job-service", "old", [](Result<void>) {});
        }
        auto *keychain = new MemoryKeychain;
        TokenStore store(std::unique_ptr<SecretBackend>(keychain), std::make_unique<FileSecretBackend>(path),
            TokenStore::Mode::Auto);
        // Not in the keychain yet: the earlier file copy is found.
        QCOMPARE(*readSync(store, "p", TokenStore::Kind::JobService), QByteArray("old"));
        QVERIFY(writeSync(store, "p", TokenStore::Kind::JobService, "new"));
        QCOMPARE(keychain->entries.value("p/job-service"), QByteArray("new"));
        QCOMPARE(*readSync(store, "p", TokenStore::Kind::JobService), QByteArray("new"));
        std::optional<Result<std::optional<QByteArray>>> r;
        FileSecretBackend(path).read("p/job-service", [&r](Result<std::optional<QByteArray>> v) { r = v; });
        QVERIFY(r && *r && !r->value().has_value()); // no stale copy left in the file
        QVERIFY(!store.usingFallback());
    }

    // The real QtKeychain backend on this machine: it must answer (a value, "no entry" or an error), never hang.
    void realKeychainAnswers()
    {
        KeychainBackend keychain(QStringLiteral("baton-console-test"));
        std::optional<Result<std::optional<QByteArray>>> r;
        QElapsedTimer t;
        t.start();
        keychain.read(
            QStringLiteral("no-such-profile/job-service"), [&r](Result<std::optional<QByteArray>> v) { r = v; });
        QTRY_VERIFY_WITH_TIMEOUT(r.has_value(), 60000);
        if (*r)
            QVERIFY(!r->value().has_value());
        else
            qInfo() << "no usable keychain here:" << r->error().message;
    }

    void modeNames()
    {
        QCOMPARE(TokenStore::modeFromName(u"file"), TokenStore::Mode::FileOnly);
        QCOMPARE(TokenStore::modeFromName(u""), TokenStore::Mode::Auto);
        QVERIFY(!TokenStore::modeFromName(u"vault"));
    }
};

QTEST_GUILESS_MAIN(TestTokenStore)
#include "tst_tokenstore.moc"
