using System.Security.Cryptography;
using LmsCloud.Sis.Generation;

namespace LmsCloud.Tests.Sis;

/// <summary>The large-district package generator: determinism, the "1% changed" variant, row counts, 1.2 layout.</summary>
public sealed class RosterPackageGeneratorTests : IDisposable
{
    // Small enough to run in well under a second: 4 schools.
    static readonly GeneratorOptions Small = new() { Students = 2_000, Teachers = 160, Classes = 800, Seed = 42 };

    readonly string root = Path.Combine(Path.GetTempPath(), "lmscloud-gen-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    string Generate(string name, GeneratorOptions options)
    {
        var dir = Path.Combine(root, name);
        RosterPackageGenerator.Generate(dir, options);
        return dir;
    }

    static Dictionary<string, string> Hashes(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Rows of a file as header-name → value maps.</summary>
    static List<Dictionary<string, string>> Read(string dir, string file)
    {
        var lines = File.ReadAllText(Path.Combine(dir, file)).Split('\n');
        Assert.Equal("", lines[^1]); // every row, the last included, ends with "\n"
        var header = Csv.Fields(lines[0]);
        return lines.Skip(1).SkipLast(1).Select(l =>
        {
            var f = Csv.Fields(l);
            Assert.Equal(header.Count, f.Count);
            return header.Zip(f).ToDictionary(p => p.First, p => p.Second);
        }).ToList();
    }

    [Fact]
    public void Same_options_give_identical_bytes()
    {
        var a = Hashes(Generate("a", Small));
        var b = Hashes(Generate("b", Small));
        Assert.Equal(8, a.Count);
        Assert.Equal(a, b);

        var otherSeed = Hashes(Generate("c", Small with { Seed = 43 }));
        Assert.NotEqual(a["users.csv"], otherSeed["users.csv"]);
    }

    [Fact]
    public void Files_are_utf8_without_bom_with_lf_line_endings()
    {
        var dir = Generate("enc", Small);
        foreach (var file in Directory.GetFiles(dir))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF, file);
            Assert.DoesNotContain((byte)'\r', bytes);
            Assert.Equal((byte)'\n', bytes[^1]);
        }
    }

    [Fact]
    public void Changed_fraction_changes_only_the_given_name_of_that_fraction_of_students()
    {
        var baseDir = Generate("base", Small);
        var changedDir = Generate("changed", Small with { ChangedFraction = 0.01 });

        var baseHashes = Hashes(baseDir);
        var changedHashes = Hashes(changedDir);
        foreach (var (file, hash) in baseHashes)
            if (file != "users.csv") Assert.Equal(hash, changedHashes[file]);

        var before = File.ReadAllLines(Path.Combine(baseDir, "users.csv"));
        var after = File.ReadAllLines(Path.Combine(changedDir, "users.csv"));
        Assert.Equal(before.Length, after.Length);
        var header = Csv.Fields(before[0]);
        var givenName = header.IndexOf("givenName");
        var differing = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.Equal(20, differing.Count); // 1% of 2,000 students

        foreach (var i in differing)
        {
            var (b, a) = (Csv.Fields(before[i]), Csv.Fields(after[i]));
            Assert.StartsWith("stu-", b[0]);
            Assert.NotEqual(b[givenName], a[givenName]);
            for (var c = 0; c < b.Count; c++)
                if (c != givenName) Assert.Equal(b[c], a[c]);
        }
    }

    [Fact]
    public void Row_counts_match_the_options_and_references_resolve()
    {
        var dir = Path.Combine(root, "counts");
        var counts = RosterPackageGenerator.Generate(dir, Small);
        foreach (var (file, rows) in counts)
            Assert.Equal(rows, File.ReadAllLines(Path.Combine(dir, file)).Length - 1);

        var orgs = Read(dir, "orgs.csv");
        var users = Read(dir, "users.csv");
        var classes = Read(dir, "classes.csv");
        var courses = Read(dir, "courses.csv");
        var enrollments = Read(dir, "enrollments.csv");

        Assert.Equal(1 + 4, orgs.Count); // district + one school per 500 students
        Assert.Equal(Small.Students, users.Count(u => u["role"] == "student"));
        Assert.Equal(Small.Teachers, users.Count(u => u["role"] == "teacher"));
        // 60% of students have a guardian, every fourth of them a second one.
        Assert.Equal(1_200 + 300, users.Count(u => u["role"] == "guardian"));
        Assert.Equal(Small.Classes, classes.Count);
        Assert.Equal(Small.Classes / 10, courses.Count);
        Assert.Equal(Small.Classes + Small.Students * Small.EnrollmentsPerStudent, enrollments.Count);
        Assert.Equal(Small.Students, counts["demographics.csv"]);
        Assert.All(orgs.Concat(users).Concat(classes).Concat(enrollments), r => Assert.True(r["status"] == "" && r["dateLastModified"] == ""));

        // Referential integrity: classes point at a course of their own school, enrollments at existing classes and users.
        var courseSchool = courses.ToDictionary(c => c["sourcedId"], c => c["orgSourcedId"]);
        var classSchool = classes.ToDictionary(c => c["sourcedId"], c => c["schoolSourcedId"]);
        var userIds = users.ToDictionary(u => u["sourcedId"], u => u);
        Assert.All(classes, c => Assert.Equal(c["schoolSourcedId"], courseSchool[c["courseSourcedId"]]));
        Assert.All(enrollments, e =>
        {
            Assert.Equal(classSchool[e["classSourcedId"]], e["schoolSourcedId"]);
            Assert.True(userIds.ContainsKey(e["userSourcedId"]));
        });
        Assert.Equal(Small.Classes, enrollments.Count(e => e["role"] == "teacher" && e["primary"] == "true"));
        Assert.All(users.Where(u => u["agentSourcedIds"] != ""), u =>
            Assert.All(u["agentSourcedIds"].Split(','), id => Assert.True(userIds.ContainsKey(id))));
        Assert.Equal(users.Count, users.Select(u => u["email"]).Distinct().Count());
    }

    [Fact]
    public void Manifest_declares_written_files_bulk_and_the_rest_absent()
    {
        var dir = Generate("manifest", Small);
        var manifest = Read(dir, "manifest.csv").ToDictionary(r => r["propertyName"], r => r["value"]);
        Assert.Equal("1.0", manifest["manifest.version"]);
        Assert.Equal("1.1", manifest["oneroster.version"]);
        Assert.Equal("GeneratorSIS", manifest["source.systemName"]);
        Assert.Equal("gen", manifest["source.systemCode"]);
        foreach (var file in new[] { "orgs", "academicSessions", "courses", "classes", "users", "enrollments", "demographics" })
            Assert.Equal("bulk", manifest["file." + file]);
        foreach (var file in new[] { "lineItems", "results", "categories", "classResources", "courseResources", "resources" })
            Assert.Equal("absent", manifest["file." + file]);
        Assert.DoesNotContain("file.roles", manifest.Keys);
        Assert.False(File.Exists(Path.Combine(dir, "roles.csv")));
    }

    [Fact]
    public void Version_1_2_writes_roles_and_users_without_role_columns()
    {
        var dir = Path.Combine(root, "v12");
        var counts = RosterPackageGenerator.Generate(dir, Small with { Version = "1.2" });

        var manifest = Read(dir, "manifest.csv").ToDictionary(r => r["propertyName"], r => r["value"]);
        Assert.Equal("1.2", manifest["oneroster.version"]);
        Assert.Equal("bulk", manifest["file.roles"]);

        var header = Csv.Fields(File.ReadLines(Path.Combine(dir, "users.csv")).First());
        Assert.DoesNotContain("role", header);
        Assert.DoesNotContain("orgSourcedIds", header);
        Assert.Contains("primaryOrgSourcedId", header);

        var roles = Read(dir, "roles.csv");
        Assert.Equal(counts["users.csv"], roles.Count);
        Assert.All(roles, r => Assert.Equal("primary", r["roleType"]));
        Assert.Equal(Small.Students, roles.Count(r => r["role"] == "student"));
        Assert.Equal(Small.Teachers, roles.Count(r => r["role"] == "teacher"));
    }
}
