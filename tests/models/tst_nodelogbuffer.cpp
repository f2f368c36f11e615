#include "models/nodelogbuffer.h"

#include <QSignalSpy>
#include <QTest>

using namespace Baton;

class TestNodeLogBuffer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void overlappingPiecesDoNotRepeat()
    {
        NodeLogBuffer b;
        b.follow(1, "web-1");
        QSignalSpy appended(&b, &NodeLogBuffer::appended);
        QVERIFY(b.place(0, "TASK [a]\nok\n"));
        // A live event that the REST answer already contained, partly.
        QVERIFY(b.place(9, "ok\nTASK [b]\n"));
        QCOMPARE(b.bytes(), QByteArray("TASK [a]\nok\nTASK [b]\n"));
        QCOMPARE(appended.size(), 2);
        QCOMPARE(appended[1][0].toString(), QString("TASK [b]\n"));
        QVERIFY(b.place(0, "TASK [a]\n")); // entirely old: nothing
        QCOMPARE(appended.size(), 2);
        QCOMPARE(b.end(), 21);
    }

    void holesAreAskedFor()
    {
        NodeLogBuffer b;
        b.follow(1, "web-1");
        b.place(0, "abc");
        QSignalSpy gap(&b, &NodeLogBuffer::gapDetected);
        QVERIFY(!b.place(10, "later"));
        QCOMPARE(gap.size(), 1);
        QCOMPARE(gap[0][0].toLongLong(), 3);
        QCOMPARE(b.bytes(), QByteArray("abc"));
    }

    void memoryIsBounded()
    {
        NodeLogBuffer b;
        b.setMaxBytes(8192);
        b.follow(2, "n");
        QSignalSpy reset(&b, &NodeLogBuffer::reset);
        QByteArray line(99, 'x');
        line += '\n';
        for (int i = 0; i < 200; ++i)
            QVERIFY(b.place(b.end(), line));
        QVERIFY(b.bytes().size() <= 8192);
        QVERIFY(b.droppedBytes() > 0);
        QCOMPARE(b.end(), 200 * 100);
        QVERIFY(reset.size() >= 1);
        QVERIFY(b.text().startsWith("[…"));
        QVERIFY(b.bytes().startsWith("xxx")); // trimmed at a line boundary
    }

    void followingAnotherRunStartsOver()
    {
        NodeLogBuffer b;
        b.follow(1, "a");
        b.place(0, "hello");
        b.setComplete(true);
        b.follow(1, "b");
        QCOMPARE(b.end(), 0);
        QVERIFY(!b.isComplete());
        QCOMPARE(b.node(), QString("b"));
    }
};

QTEST_GUILESS_MAIN(TestNodeLogBuffer)
#include "tst_nodelogbuffer.moc"
