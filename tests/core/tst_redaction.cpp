#include "core/base/redaction.h"

#include <QTest>

using namespace Baton;

class tst_Redaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secretHeadersAreMasked()
    {
        QCOMPARE(Redaction::redactHeader("X-Consul-Token", "s3cr3t"), QStringLiteral("<redacted>"));
        QCOMPARE(Redaction::redactHeader("authorization", "Bearer s3cr3t"), QStringLiteral("<redacted>"));
        QCOMPARE(Redaction::redactHeader("Content-Type", "application/json"), QStringLiteral("application/json"));
    }

    void tokensInUrlsAreMasked()
    {
        const QString out = Redaction::redactUrl(QStringLiteral("http://u:pw@host:8500/v1/kv/a?token=s3cr3t&index=5"));
        QVERIFY(!out.contains(QStringLiteral("s3cr3t")));
        QVERIFY(!out.contains(QStringLiteral("pw@")));
        QVERIFY(out.contains(QStringLiteral("index=5")));
    }
};

QTEST_GUILESS_MAIN(tst_Redaction)
#include "tst_redaction.moc"
