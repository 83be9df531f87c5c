"""Issue 16 (evidence): the place writes its own outcome and sends measure values (two respondent
purposes); each measure's run-chart result stored on the measure, filled here for the measures
that exist (the rules are engagements.dashboards.runchart, plain Python with no
models, so the historical rows are enough)."""

from collections import defaultdict

from django.db import migrations, models


def store_results(apps, schema_editor):  # type: ignore[no-untyped-def]
    from engagements.dashboards.runchart import Point, result_to_json, run_chart

    Measure = apps.get_model("engagements", "Measure")
    MeasureValue = apps.get_model("engagements", "MeasureValue")
    points = defaultdict(list)
    for measure_id, period, value in (MeasureValue.objects.order_by("measure_id", "period")
                                      .values_list("measure_id", "period", "value")):
        points[measure_id].append(Point(period, value))
    for m in Measure.objects.all():
        chart = run_chart(points[m.pk], baseline_start=m.baseline_start,
                          baseline_end=m.baseline_end, baseline_value=m.baseline_value,
                          direction=m.direction, weekly=m.frequency == "weekly")
        Measure.objects.filter(pk=m.pk).update(chart_result=result_to_json(chart))


class Migration(migrations.Migration):

    dependencies = [
        ('engagements', '0017_diagnostic_participants_records_pilot'),
    ]

    operations = [
        migrations.AddField(
            model_name='measure',
            name='chart_result',
            field=models.JSONField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(store_results, migrations.RunPython.noop),
        migrations.AddField(
            model_name='outcome',
            name='written_by_place',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AlterField(
            model_name='respondentlink',
            name='purpose',
            field=models.CharField(choices=[('confirm_outcome', 'Confirm an outcome'), ('agree_diagnostic', 'Agree the diagnostic record'), ('write_outcome', 'Write an outcome'), ('measure_value', "Send a measure's next value")], max_length=30),
        ),
    ]
