using System.Text;
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
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "\"'+1\"")]
    [InlineData("-1", "\"'-1\"")]
    [InlineData("@SUM(A1)", "\"'@SUM(A1)\"")]
    [InlineData("\tcmd", "\"'\tcmd\"")]
    [InlineData("\rcmd", "\"'\rcmd\"")]
    public async Task Fields_are_quoted_and_formulas_defused(string? value, string expected)
    {
        var error = new ImportRowError { Severity = "error", File = "users.csv", Line = 3, ColumnName = value, Code = "E_X", Message = value ?? "" };
        using var body = new MemoryStream();

        await ErrorsCsv.WriteAsync(body, new[] { error }.ToAsyncEnumerable(), maskDemographics: false, default);

        Assert.Equal($"severity,file,line,column,code,message\r\nerror,users.csv,3,{expected},E_X,{expected}\r\n", Encoding.UTF8.GetString(body.ToArray()));
    }
}
