using System.Text;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Sis;

/// <summary>
/// Guards the hand-written packages in samples/rosters: the clean ones are consistent, and the errors package has
/// its problems exactly where samples/rosters/README.md says (the importer's tests rely on those positions).
/// </summary>
public sealed class SampleRosterPackagesTests
{
    static readonly string Root = Samples.Root;

    /// <summary>Lines split on CRLF, CR or LF (no field in the samples contains a line break).</summary>
    static string[] Lines(string package, string file)
    {
        var text = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Root, package, file))).TrimStart('\uFEFF');
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        return lines[^1] == "" ? lines[..^1] : lines;
    }

    static List<Dictionary<string, string>> Rows(string package, string file)
    {
        var lines = Lines(package, file);
        var header = Csv.Fields(lines[0]);
        return lines.Skip(1).Select(l => Csv.Fields(l)).Where(f => f.Count == header.Count)
            .Select(f => header.Zip(f).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    [Theory]
    [InlineData("northwind-1.1-bulk")]
    [InlineData("riverside-1.2-bulk")]
    [InlineData("northwind-1.1-delta")]
    public void Clean_packages_are_lf_without_bom_and_not_ragged(string package)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Root, package), "*.csv"))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(bytes is [0xEF, 0xBB, 0xBF, ..], file);
            Assert.DoesNotContain((byte)'\r', bytes);
            Assert.Equal((byte)'\n', bytes[^1]);
            var lines = Lines(package, Path.GetFileName(file));
            var columns = Csv.Fields(lines[0]).Count;
            Assert.All(lines, l => Assert.Equal(columns, Csv.Fields(l).Count));
        }
    }

    [Theory]
    [InlineData("northwind-1.1-bulk", 19, 35)]
    [InlineData("riverside-1.2-bulk", 19, 30)]
    public void Bulk_packages_have_resolvable_references(string package, int users, int enrollments)
    {
        var orgs = Rows(package, "orgs.csv").Select(r => r["sourcedId"]).ToHashSet();
        var courses = Rows(package, "courses.csv").ToDictionary(r => r["sourcedId"], r => r["orgSourcedId"]);
        var classes = Rows(package, "classes.csv").ToDictionary(r => r["sourcedId"], r => r["schoolSourcedId"]);
        var userRows = Rows(package, "users.csv");
        var userIds = userRows.Select(r => r["sourcedId"]).ToHashSet();
        var enrollmentRows = Rows(package, "enrollments.csv");

        Assert.Equal(users, userRows.Count);
        Assert.Equal(enrollments, enrollmentRows.Count);
        Assert.All(courses.Values, org => Assert.Contains(org, orgs));
        Assert.All(Rows(package, "classes.csv"), c => Assert.Equal(c["schoolSourcedId"], courses[c["courseSourcedId"]]));
        Assert.All(enrollmentRows, e =>
        {
            Assert.Equal(classes[e["classSourcedId"]], e["schoolSourcedId"]);
            Assert.Contains(e["userSourcedId"], userIds);
        });
        Assert.All(classes.Keys, c => Assert.Single(enrollmentRows, e => e["classSourcedId"] == c && e["role"] == "teacher" && e["primary"] == "true"));
        Assert.All(userRows.Where(u => u["agentSourcedIds"] != ""), u =>
            Assert.All(u["agentSourcedIds"].Split(','), id => Assert.Contains(id, userIds)));
        Assert.All(Rows(package, "demographics.csv"), d => Assert.Contains(d["sourcedId"], userIds));
    }

    [Fact]
    public void Errors_package_has_its_problems_at_the_documented_positions()
    {
        const string P = "northwind-1.1-errors";
        string Field(string file, int line, string column)
        {
            var lines = Lines(P, file);
            return Csv.Fields(lines[line - 1])[Csv.Fields(lines[0]).IndexOf(column)];
        }

        var users = File.ReadAllBytes(Path.Combine(Root, P, "users.csv"));
        Assert.True(users is [0xEF, 0xBB, 0xBF, ..]);
        var usersText = Encoding.UTF8.GetString(users);
        Assert.Equal(22, usersText.Split("\r\n").Length - 1);
        Assert.DoesNotContain('\n', usersText.Replace("\r\n", ""));

        var enrollments = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(Root, P, "enrollments.csv")));
        Assert.DoesNotContain('\n', enrollments);
        Assert.Equal(37, enrollments.Split('\r').Length);
        Assert.False(enrollments.EndsWith('\r'));

        Assert.Equal("Student", Field("users.csv", 6, "role"));
        Assert.Equal("TRUE", Field("users.csv", 7, "enabledUser"));
        Assert.Equal(("nw-s-013", ""), (Field("users.csv", 17, "sourcedId"), Field("users.csv", 17, "givenName")));
        Assert.Equal(19, Csv.Fields(Lines(P, "users.csv")[17]).Count);
        Assert.Equal("principal", Field("enrollments.csv", 37, "role"));
        Assert.Equal("Scheduled", Field("classes.csv", 7, "classType"));
        Assert.Equal("nw-crs-chem", Field("classes.csv", 8, "courseSourcedId"));
        Assert.DoesNotContain(Rows(P, "courses.csv"), c => c["sourcedId"] == "nw-crs-chem");
        Assert.Equal("03/04/2026", Field("academicSessions.csv", 5, "startDate"));

        foreach (var file in new[] { "manifest.csv", "orgs.csv", "courses.csv", "demographics.csv" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(Root, "northwind-1.1-bulk", file)), File.ReadAllBytes(Path.Combine(Root, P, file)));
    }
}
