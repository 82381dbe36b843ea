using LmsCloud.Sis;
using FileMode = LmsCloud.Sis.FileMode;

namespace LmsCloud.Tests.Sis;

/// <summary>The field rules on their own: no database, no package, one value at a time.</summary>
public sealed class FieldParserTests
{
    static (string? Status, List<(string Severity, string Code)> Findings) Status(string text, FileMode mode)
    {
        var findings = new List<RowError>();
        var status = FieldParser.Status(text, mode, "users.csv", 7, findings);
        Assert.All(findings, f => Assert.Equal(("users.csv", 7, "status"), (f.File, f.Line, f.Column)));
        return (status, findings.Select(f => (f.Severity, f.Code)).ToList());
    }

    [Theory]
    [InlineData("", FileMode.Bulk, "active", null, null)]
    [InlineData("active", FileMode.Delta, "active", null, null)]
    [InlineData(" Active ", FileMode.Delta, "active", RowError.Warning, "W_CASE")]
    [InlineData("tobedeleted", FileMode.Delta, "tobedeleted", null, null)]
    [InlineData("inactive", FileMode.Delta, "tobedeleted", RowError.Warning, "W_LEGACY_STATUS")]
    [InlineData("tobedeleted", FileMode.Bulk, null, RowError.Warning, "W_BULK_STATUS")]
    [InlineData("", FileMode.Delta, null, RowError.Error, "E_REQUIRED")]
    [InlineData("gone", FileMode.Delta, null, RowError.Error, "E_ENUM")]
    public void A_status_is_read_or_the_row_is_rejected_or_absent(string text, FileMode mode, string? expected, string? severity, string? code)
    {
        var (status, findings) = Status(text, mode);
        Assert.Equal(expected, status);
        Assert.Equal(code == null ? [] : [(severity!, code)], findings);
    }

    static (object? Value, bool Ok, string Codes) Value(Column column, string text, bool deleting = false)
    {
        var findings = new List<RowError>();
        var ok = true;
        var value = FieldParser.Value(column, text, deleting, "classes.csv", 3, findings, ref ok);
        Assert.All(findings, f => Assert.Equal(("classes.csv", 3, column.Name), (f.File, f.Line, f.Column)));
        return (value, ok, string.Join(",", findings.Select(f => f.Code)));
    }

    static readonly Column ClassType = new("classType", "class_type", Kind.Enum, Required: true, Values: ["homeroom", "scheduled"]);

    [Fact]
    public void Enumerations_take_any_case_with_a_warning_and_refuse_unknown_values()
    {
        Assert.Equal(("scheduled", true, ""), Value(ClassType, "scheduled"));
        Assert.Equal(("homeroom", true, "W_CASE"), Value(ClassType, "HomeRoom"));
        Assert.Equal(((object?)null, false, "E_ENUM"), Value(ClassType, "lecture"));
    }

    [Fact]
    public void A_required_field_may_be_empty_only_on_a_row_that_deletes()
    {
        Assert.Equal(((object?)null, false, "E_REQUIRED"), Value(ClassType, ""));
        Assert.Equal(((object?)null, true, ""), Value(ClassType, "", deleting: true));
        Assert.Equal(((object?)null, true, ""), Value(new Column("location", "location", Kind.Text), ""));
    }

    [Fact]
    public void Dates_are_iso_only_because_day_and_month_are_never_guessed()
    {
        var date = new Column("beginDate", "begin_date", Kind.Date);
        Assert.Equal((new DateOnly(2026, 3, 4), true, ""), Value(date, "2026-03-04"));
        foreach (var text in new[] { "03/04/2026", "2026-3-4", "2026-02-30", "2026-03-04T00:00:00Z" })
            Assert.Equal(((object?)null, false, "E_DATE"), Value(date, text));
    }

    [Fact]
    public void Booleans_numbers_and_lists()
    {
        var primary = new Column("primary", "is_primary", Kind.Bool);
        Assert.Equal((true, true, ""), Value(primary, "true"));
        Assert.Equal((false, true, "W_CASE"), Value(primary, "FALSE"));
        Assert.Equal(((object?)null, false, "E_BOOL"), Value(primary, "yes"));

        var year = new Column("schoolYear", "school_year", Kind.Int, Required: true);
        Assert.Equal((2027, true, ""), Value(year, "2027"));
        foreach (var text in new[] { "-2027", "2027.0", "twenty", "1e3" })
            Assert.Equal(((object?)null, false, "E_NUMBER"), Value(year, text));

        var terms = new Column("termSourcedIds", "term_sids", Kind.List, Required: true);
        var (value, ok, codes) = Value(terms, " t1 , t2,,t3 ");
        Assert.Equal(["t1", "t2", "t3"], (string[])value!);
        Assert.Equal((true, ""), (ok, codes));
        Assert.Equal((false, "E_REQUIRED"), (Value(terms, " , ").Ok, Value(terms, " , ").Codes));
    }
}
