using LmsCloud.Api.Rostering;
using LmsCloud.Core.Rostering;

namespace LmsCloud.Tests.Rostering;

/// <summary>The errors CSV opens safely in a spreadsheet: RFC 4180 quoting, and no cell a spreadsheet would run as a formula.</summary>
public sealed class CsvFieldTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    public void Fields_are_quoted_and_formulas_defused(string? value, string expected) => Assert.Equal(expected, Csv.Field(value));
}
