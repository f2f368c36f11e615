// Go's time.ParseDuration and Duration.String as consul-sim implements them (Consul speaks these on the wire).
#include "tools/consul-sim/goduration.h"

#include <QTest>

using namespace Baton::ConsulSim;

class TstUnitGoDuration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseValid_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("nanos");
        const qint64 s = 1000000000;
        QTest::newRow("0") << "0" << qint64(0);
        QTest::newRow("-0") << "-0" << qint64(0);
        QTest::newRow("5s") << "5s" << 5 * s;
        QTest::newRow("+5s") << "+5s" << 5 * s;
        QTest::newRow("-5s") << "-5s" << -5 * s;
        QTest::newRow("5.6s") << "5.6s" << 5 * s + 600000000;
        QTest::newRow("5.s") << "5.s" << 5 * s;
        QTest::newRow(".5s") << ".5s" << s / 2;
        QTest::newRow("1.004s") << "1.004s" << s + 4000000;
        QTest::newRow("100.00100s") << "100.00100s" << 100 * s + 1000000;
        QTest::newRow("ns") << "10ns" << qint64(10);
        QTest::newRow("us") << "11us" << qint64(11000);
        QTest::newRow("micro sign") << QString::fromUtf8("12\u00b5s") << qint64(12000);
        QTest::newRow("greek mu") << QString::fromUtf8("12\u03bcs") << qint64(12000);
        QTest::newRow("ms") << "15000ms" << 15 * s;
        QTest::newRow("m") << "15m" << 900 * s;
        QTest::newRow("h") << "16h" << 16 * 3600 * s;
        QTest::newRow("compound") << "3h30m" << (3 * 3600 + 1800) * s;
        QTest::newRow("unordered") << "10.5s4m" << 250 * s + s / 2;
        QTest::newRow("negative compound") << "-2m3.4s" << -(123 * s + 400000000);
        QTest::newRow("all units") << "1h2m3s4ms5us6ns" << (3723 * s + 4005006);
        QTest::newRow("max") << "9223372036854775807ns" << qint64(9223372036854775807LL);
    }

    void parseValid()
    {
        QFETCH(QString, text);
        QFETCH(qint64, nanos);
        std::string error;
        const auto d = GoDuration::parse(text.toStdString(), &error);
        QVERIFY2(d.has_value(), error.c_str());
        QCOMPARE(qint64(*d), nanos);
    }

    void parseInvalid_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty") << ""
                               << "time: invalid duration \"\"";
        QTest::newRow("bare number") << "3"
                                     << "time: missing unit in duration \"3\"";
        QTest::newRow("sign only") << "-"
                                   << "time: invalid duration \"-\"";
        QTest::newRow("unit only") << "s"
                                   << "time: invalid duration \"s\"";
        QTest::newRow("dot") << "."
                             << "time: invalid duration \".\"";
        QTest::newRow("dot unit") << ".s"
                                  << "time: invalid duration \".s\"";
        QTest::newRow("day") << "1d"
                             << "time: unknown unit \"d\" in duration \"1d\"";
        QTest::newRow("overflow") << "3000000h"
                                  << "time: invalid duration \"3000000h\"";
        QTest::newRow("overflow ns") << "9223372036854775808ns"
                                     << "time: invalid duration \"9223372036854775808ns\"";
        QTest::newRow("space") << "5 s"
                               << "time: unknown unit \" s\" in duration \"5 s\"";
    }

    void parseInvalid()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        std::string got;
        QVERIFY(!GoDuration::parse(text.toStdString(), &got));
        QCOMPARE(QString::fromStdString(got), error);
    }

    void format_data()
    {
        QTest::addColumn<qint64>("nanos");
        QTest::addColumn<QString>("text");
        QTest::newRow("0") << qint64(0) << "0s";
        QTest::newRow("1ns") << qint64(1) << "1ns";
        QTest::newRow("1.1us") << qint64(1100) << QString::fromUtf8("1.1\u00b5s");
        QTest::newRow("2.2ms") << qint64(2200000) << "2.2ms";
        QTest::newRow("3.3s") << qint64(3300000000) << "3.3s";
        QTest::newRow("10s") << qint64(10000000000) << "10s";
        QTest::newRow("4m5s") << qint64(245000000000) << "4m5s";
        QTest::newRow("4m5.001s") << qint64(245001000000) << "4m5.001s";
        QTest::newRow("5h6m7.001s") << qint64(18367001000000) << "5h6m7.001s";
        QTest::newRow("8m0.000000001s") << qint64(480000000001) << "8m0.000000001s";
        QTest::newRow("1h") << qint64(3600000000000) << "1h0m0s";
        QTest::newRow("24h") << qint64(86400000000000) << "24h0m0s";
        QTest::newRow("-1ns") << qint64(-1) << "-1ns";
        QTest::newRow("100ms") << qint64(100000000) << "100ms";
    }

    void format()
    {
        QFETCH(qint64, nanos);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(GoDuration::format(nanos)), text);
    }
};

QTEST_GUILESS_MAIN(TstUnitGoDuration)
#include "tst_unit_goduration.moc"
