#include "widgets/theme.h"

#include <QImage>
#include <QPainter>
#include <QSet>
#include <QTest>

using namespace Baton;

class TestTheme : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void statesDifferWithoutColour_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    // Two states may share a fill style, but never fill, pattern and glyph together: in grey scale they must still
    // be told apart.
    void statesDifferWithoutColour()
    {
        QFETCH(bool, dark);
        const Theme t = dark ? Theme::dark() : Theme::light();
        QSet<QString> looks;
        QSet<QString> labels;
        for (int i = 0; i < kNodeRunStateCount; ++i) {
            const NodeRunStyle s = t.nodeRunStyle(NodeRunState(i));
            QVERIFY(!s.glyph.isNull());
            QVERIFY(!s.shortLabel.isEmpty());
            looks.insert(QString::number(int(s.fill)) + QString::number(int(s.pattern)) + s.glyph);
            labels.insert(s.shortLabel);
        }
        QCOMPARE(looks.size(), kNodeRunStateCount);
        QCOMPARE(labels.size(), kNodeRunStateCount);
    }

    void statesDifferInColour()
    {
        for (const Theme &t : { Theme::light(), Theme::dark() }) {
            QSet<QRgb> colours;
            for (int i = 0; i < kNodeRunStateCount; ++i)
                colours.insert(t.nodeRunColor(NodeRunState(i)).rgb());
            QCOMPARE(colours.size(), kNodeRunStateCount);
        }
    }

    void textIsReadableOnSolidFills()
    {
        for (const Theme &t : { Theme::light(), Theme::dark() }) {
            for (int i = 0; i < kNodeRunStateCount; ++i) {
                const NodeRunStyle s = t.nodeRunStyle(NodeRunState(i));
                if (s.fill != NodeRunStyle::Fill::Solid)
                    continue;
                const int diff = std::abs(qGray(s.color.rgb()) - qGray(s.text.rgb()));
                QVERIFY2(diff > 60, qPrintable(toWire(NodeRunState(i))));
            }
        }
    }

    void gradedColourMovesWithFailureShare()
    {
        const Theme t = Theme::light();
        NodeCounts few;
        few[NodeRunState::Succeeded] = 39;
        few[NodeRunState::Failed] = 1;
        NodeCounts many;
        many[NodeRunState::Succeeded] = 1;
        many[NodeRunState::Failed] = 39;
        NodeCounts none;
        none[NodeRunState::Succeeded] = 40;
        const QColor red = t.nodeRunColor(NodeRunState::Failed);
        auto distance = [](const QColor &a, const QColor &b) {
            return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue());
        };
        QVERIFY(distance(t.gradedJobColor(few, JobState::PartiallyFailed), red)
            > distance(t.gradedJobColor(many, JobState::PartiallyFailed), red));
        QCOMPARE(t.gradedJobColor(none, JobState::Succeeded), t.jobStateColor(JobState::Succeeded));
    }

    void variantNamesRoundTrip()
    {
        QCOMPARE(Theme::variantFromName(Theme::variantName(Theme::Variant::Dark)), Theme::Variant::Dark);
        QCOMPARE(Theme::variantFromName(u"light"), Theme::Variant::Light);
        QVERIFY(!Theme::variantFromName(u"purple"));
    }

    void currentFollowsSetCurrent()
    {
        QVERIFY(!Theme::current().isDark());
        Theme::setCurrent(Theme::dark());
        QVERIFY(Theme::current().isDark());
        Theme::setCurrent(Theme::light());
        QVERIFY(!Theme::current().isDark());
    }

    // One failed node among a thousand still gets visible pixels in the counts bar.
    void countsBarShowsASingleFailure()
    {
        const Theme t = Theme::light();
        NodeCounts c;
        c[NodeRunState::Succeeded] = 999;
        c[NodeRunState::Failed] = 1;
        QImage img(200, 10, QImage::Format_RGB32);
        img.fill(Qt::white);
        QPainter p(&img);
        t.paintCountsBar(p, QRectF(0, 0, 200, 10), c);
        p.end();
        const QRgb failed = t.nodeRunColor(NodeRunState::Failed).rgb();
        int hits = 0;
        for (int x = 0; x < img.width(); ++x)
            hits += img.pixel(x, 5) == failed;
        QVERIFY(hits >= 1);
    }
};

QTEST_MAIN(TestTheme)
#include "tst_theme.moc"
