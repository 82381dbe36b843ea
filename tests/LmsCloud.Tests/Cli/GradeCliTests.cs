using System.Text.Json;
using LmsCloud.Core.Database;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace LmsCloud.Tests.Cli;

/// <summary>
/// <c>lms grades compute</c>, run in-process with a database that cannot be reached: the command must not need one.
/// </summary>
public sealed class GradeCliTests
{
    static readonly string WorkedExample = Path.Combine(DataFolder.CheckoutRoot(), "samples", "grades", "worked-example.json");

    [Fact]
    public async Task The_worked_example_file_prints_the_engines_result_without_a_database()
    {
        var result = await RunAsync(null, "grades", "compute", WorkedExample);

        Assert.Equal((0, ""), (result.Code, result.Error));
        using var output = JsonDocument.Parse(result.Out);
        var root = output.RootElement;
        Assert.Equal("69.50", root.GetProperty("current").GetRawText());
        Assert.Equal("45.25", root.GetProperty("final").GetRawText());
        Assert.Equal(("D+", "F"), (root.GetProperty("currentLetter").GetString(), root.GetProperty("finalLetter").GetString()));
        var homework = root.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("id").GetString() == "hw");
        Assert.Equal(["HW4"], homework.GetProperty("dropped").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal("60.00", homework.GetProperty("current").GetRawText());
    }

    [Fact]
    public async Task A_dash_reads_the_description_from_standard_input()
    {
        var fromFile = await RunAsync(null, "grades", "compute", WorkedExample);
        var fromStdin = await RunAsync(new StringReader(File.ReadAllText(WorkedExample)), "grades", "compute", "-");

        Assert.Equal(0, fromStdin.Code);
        Assert.Equal(fromFile.Out, fromStdin.Out);
    }

    [Theory]
    [InlineData("""{"weighting":"percent","now":"2026-10-20T12:00:00Z","groups":[{"id":"hw","weight":1}],"assignments":[{"id":"A","group":"exams","pointsPossible":1}]}""", "lms: assignment A: unknown group 'exams'")]
    [InlineData("""{"weighting":"curved","now":"2026-10-20T12:00:00Z"}""", "lms: weighting: 'curved' is not percent or points")]
    [InlineData("not json", "lms: not valid JSON:")]
    public async Task An_invalid_description_exits_1_with_one_line(string json, string reason)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, json);
            var result = await RunAsync(null, "grades", "compute", file);

            Assert.Equal((1, ""), (result.Code, result.Out));
            Assert.StartsWith(reason, result.Error);
            Assert.Single(result.Error.TrimEnd().Split('\n'));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_file_that_does_not_exist_exits_1()
    {
        var result = await RunAsync(null, "grades", "compute", "/nonexistent/student.json");
        Assert.Equal((1, "lms: cannot read '/nonexistent/student.json': no such file"), (result.Code, result.Error.TrimEnd()));
    }

    [Theory]
    [InlineData("grades", "compute")]
    [InlineData("grades", "compute", "a.json", "b.json")]
    [InlineData("grades", "compute", "a.json", "--student", "x")]
    public async Task Bad_arguments_exit_2_with_the_usage(params string[] args)
    {
        var result = await RunAsync(null, args);
        Assert.Equal(2, result.Code);
        Assert.Contains("grades compute FILE.json|-", result.Error);
    }

    static async Task<(int Code, string Out, string Error)> RunAsync(TextReader? stdin, params string[] args)
    {
        // A database nobody listens on: any attempt to reach it would fail the command.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = $"Host=127.0.0.1;Port={TestCluster.FreePort()};Username=x;Password=y;Timeout=3",
            ["ConnectionStrings:Owner"] = $"Host=127.0.0.1;Port={TestCluster.FreePort()};Username=x;Password=y;Timeout=3",
        }).Build();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await LmsCloud.Cli.Cli.RunAsync(args, configuration, stdout, stderr, stdin);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
