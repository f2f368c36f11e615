// consul-sim's state store in-process: Consul's index rules (KV per prefix with tombstones and reaping,
// per-service indexes), KV lock semantics, session invalidation and lock-delay, change notifications.
#include "tools/consul-sim/statestore.h"

#include <QTest>

using namespace Baton::ConsulSim;

namespace {

struct Recorder : StateListener
{
    std::vector<std::string> keys;
    std::vector<std::string> trees;
    int catalog = 0;
    std::vector<std::string> sessions;
    void kvKeyChanged(const std::string &key) override { keys.push_back(key); }
    void kvTreeChanged(const std::string &prefix) override { trees.push_back(prefix); }
    void catalogChanged() override { ++catalog; }
    void sessionChanged(const std::string &id) override { sessions.push_back(id); }
};

KvEntry entry(
    const std::string &key, const std::string &value, std::uint64_t flags = 0, const std::string &session = {})
{
    KvEntry e;
    e.key = key;
    e.value = value;
    e.flags = flags;
    e.session = session;
    return e;
}

void addNode(StateStore &s, const std::string &name)
{
    NodeRec n;
    n.name = name;
    n.id = "00000000-0000-0000-0000-000000000001";
    n.address = "127.0.0.1";
    n.datacenter = "dc1";
    s.ensureNode(n);
    CheckRec serf;
    serf.node = name;
    serf.checkId = "serfHealth";
    serf.name = "Serf Health Status";
    serf.status = "passing";
    s.ensureCheck(serf);
}

std::string session(
    StateStore &s, const std::string &id, std::int64_t lockDelay, const std::string &behavior = "release")
{
    SessionRec r;
    r.id = id;
    r.node = "n1";
    r.lockDelay = lockDelay;
    r.behavior = behavior;
    r.nodeChecks = { "serfHealth" };
    std::string error;
    const auto created = s.createSession(r, 0, &error);
    return created.value_or("error: " + error);
}

} // namespace

class TstUnitStateStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void kvIndexesFollowConsul()
    {
        StateStore s(TimingConfig {});
        Recorder rec;
        s.setListener(&rec);
        QCOMPARE(s.kvGetIndex("a"), std::uint64_t(0)); // the HTTP layer turns 0 into 1
        s.kvSet(s.nextIndex(), entry("p/a", "1"));
        const auto ia = s.kvGet("p/a")->index.modify;
        s.kvSet(s.nextIndex(), entry("p/b", "1"));
        const auto ib = s.kvGet("p/b")->index.modify;
        s.kvSet(s.nextIndex(), entry("q", "1"));
        QCOMPARE(s.kvListIndex("p/"), ib);
        QCOMPARE(s.kvGetIndex("p/a"), ia);
        QCOMPARE(s.kvGetIndex("missing"), s.kvsMaxIndex()); // a missing key reports the table index
        // Idempotent write: no index moves, no notification.
        rec.keys.clear();
        s.kvSet(s.nextIndex(), entry("p/a", "1"));
        QCOMPARE(s.kvGet("p/a")->index.modify, ia);
        QVERIFY(rec.keys.empty());
        // Deleting the newest entry leaves a tombstone, so the prefix index does not go back.
        const auto del = s.nextIndex();
        s.kvDelete(del, "p/b");
        QCOMPARE(s.kvListIndex("p/"), del);
        QCOMPARE(s.tombstoneCount(), std::size_t(1));
        // A delete-tree leaves one tombstone at the prefix itself.
        const auto tree = s.nextIndex();
        s.kvDeleteTree(tree, "p/");
        QCOMPARE(s.kvListIndex("p/"), tree);
        QCOMPARE(rec.trees, std::vector<std::string> { "p/" });
        QCOMPARE(s.kvListIndex(""), s.kvsMaxIndex());
        // No match anywhere under a prefix: the table index.
        QCOMPARE(s.kvListIndex("zzz/"), s.kvsMaxIndex());
    }

    void tombstonesAreReapedAfterTheirTtl()
    {
        TimingConfig t;
        t.tombstoneTtl = 200 * GoDuration::kMillisecond;
        t.tombstoneGranularity = 100 * GoDuration::kMillisecond;
        StateStore s(t);
        s.kvSet(s.nextIndex(), entry("r/a", "1"));
        s.kvSet(s.nextIndex(), entry("r/b", "1"));
        const auto ia = s.kvGet("r/a")->index.modify;
        s.kvDelete(s.nextIndex(), "r/b");
        QVERIFY(s.kvListIndex("r/") > ia);
        QTRY_COMPARE_WITH_TIMEOUT(s.tombstoneCount(), std::size_t(0), 3000);
        // After the reap the prefix index may go back: clients must reset (consul-api.md §1.3).
        QCOMPARE(s.kvListIndex("r/"), ia);
    }

    void casAndLocks()
    {
        StateStore s(TimingConfig {});
        addNode(s, "n1");
        QVERIFY(s.kvCas(s.nextIndex(), entry("k", "1"), 0));
        QVERIFY(!s.kvCas(s.nextIndex(), entry("k", "2"), 0));
        const std::string a = session(s, "11111111-1111-1111-1111-111111111111", 0);
        const std::string b = session(s, "22222222-2222-2222-2222-222222222222", 0);
        std::string error;
        QVERIFY(s.kvLock(s.nextIndex(), entry("k", "1", 0, a), &error));
        QCOMPARE(s.kvGet("k")->lockIndex, std::uint64_t(1));
        QVERIFY(!s.kvLock(s.nextIndex(), entry("k", "1", 0, b), &error));
        QVERIFY(error.empty());
        QVERIFY(s.kvLock(s.nextIndex(), entry("k", "2", 0, a), &error));
        QCOMPARE(s.kvGet("k")->lockIndex, std::uint64_t(1));
        // A plain set keeps the session (and, as in Consul's kvsSetTxn, does not carry LockIndex over).
        s.kvSet(s.nextIndex(), entry("k", "3"));
        QCOMPARE(s.kvGet("k")->session, a);
        QVERIFY(!s.kvUnlock(s.nextIndex(), entry("k", "x", 0, b), &error));
        QVERIFY(s.kvUnlock(s.nextIndex(), entry("k", "x", 7, a), &error));
        QVERIFY(s.kvGet("k")->session.empty());
        QCOMPARE(s.kvGet("k")->flags, std::uint64_t(7));
        QVERIFY(!s.kvLock(s.nextIndex(), entry("k", "1", 0, "33333333-3333-3333-3333-333333333333"), &error));
        QCOMPARE(error, std::string("invalid session \"33333333-3333-3333-3333-333333333333\""));
        error.clear();
        QVERIFY(!s.kvLock(s.nextIndex(), entry("k", "1", 0, ""), &error));
        QCOMPARE(error, std::string("missing session"));
    }

    void invalidationReleasesDeletesAndDelays()
    {
        TimingConfig t;
        t.lockDelayMax = 300 * GoDuration::kMillisecond;
        StateStore s(t);
        addNode(s, "n1");
        const std::string rel = session(s, "11111111-1111-1111-1111-111111111111", 15 * GoDuration::kSecond);
        const std::string del = session(s, "22222222-2222-2222-2222-222222222222", 0, "delete");
        const std::string other = session(s, "33333333-3333-3333-3333-333333333333", 0);
        std::string error;
        QVERIFY(s.kvLock(s.nextIndex(), entry("held/r", "v", 0, rel), &error));
        QVERIFY(s.kvLock(s.nextIndex(), entry("held/d", "v", 0, del), &error));
        // serfHealth critical invalidates every session that lists it, in the same write.
        CheckRec serf = *s.check("n1", "serfHealth");
        serf.status = "critical";
        s.ensureCheck(serf);
        QVERIFY(!s.session(rel));
        QVERIFY(!s.session(del));
        QVERIFY(s.kvGet("held/r") && s.kvGet("held/r")->session.empty());
        QCOMPARE(s.kvGet("held/r")->lockIndex, std::uint64_t(1));
        QVERIFY(!s.kvGet("held/d"));
        QVERIFY(s.kvLockDelayed("held/r")); // capped at 300 ms, not the session's 15 s
        QVERIFY(!s.kvLockDelayed("held/d")); // LockDelay 0
        QTRY_VERIFY_WITH_TIMEOUT(!s.kvLockDelayed("held/r"), 2000);
        serf.status = "passing";
        s.ensureCheck(serf);
        QVERIFY(!s.session(other)); // it listed serfHealth too
    }

    void serviceIndexes()
    {
        StateStore s(TimingConfig {});
        addNode(s, "n1");
        addNode(s, "n2");
        ServiceRec web;
        web.node = "n1";
        web.id = "web";
        web.name = "web";
        s.ensureService(web);
        ServiceRec db = web;
        db.node = "n2";
        db.id = "db";
        db.name = "db";
        s.ensureService(db);
        const auto webIdx = s.serviceIndex("web", true);
        const auto dbIdx = s.serviceIndex("db", true);
        CheckRec serf = *s.check("n2", "serfHealth");
        serf.status = "warning";
        QVERIFY(s.ensureCheck(serf));
        QVERIFY(!s.ensureCheck(serf)); // unchanged: no write
        QCOMPARE(s.serviceIndex("web", true), webIdx);
        QVERIFY(s.serviceIndex("db", true) > dbIdx);
        // An unknown service falls back to the catalog index; a vanished one to its extinction index.
        QCOMPARE(s.serviceIndex("nothing", true), s.catalogMaxIndex(true));
        s.deleteService("n2", "db");
        const auto gone = s.serviceIndex("db", true);
        s.ensureService([&] {
            ServiceRec x = web;
            x.id = "web2";
            return x;
        }());
        QCOMPARE(s.serviceIndex("db", true), gone);
    }
};

QTEST_GUILESS_MAIN(TstUnitStateStore)
#include "tst_unit_statestore.moc"
