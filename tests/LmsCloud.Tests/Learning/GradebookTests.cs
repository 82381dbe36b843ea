using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static LmsCloud.Tests.Learning.ShellTestDistrict;

namespace LmsCloud.Tests.Learning;

/// <summary>
/// The teacher's gradebook grid: every assignment a column, a page of students a row, each cell the entered score and
/// what the engine made of it (late deduction, drop, excused), and each row the course grade the engine stored.
/// </summary>
public sealed class GradebookTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly DateTimeOffset Due = new(2026, 10, 1, 23, 59, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_grid_shows_entered_scores_the_engines_result_and_each_students_grade_to_teachers_only()
    {
        var d = await ShellTestDistrict.CreateAsync(api);
        var teacher = await d.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        await PostAsync(teacher, $"/api/shells/{shell}/status", new { status = "published" });
        var group = (await PostAsync(teacher, $"/api/shells/{shell}/assignment-groups", new { name = "Homework", weight = 100, dropLowest = 1 }))
            .GetProperty("id").GetGuid();
        var hw = new List<Guid>();
        foreach (var title in new[] { "HW1", "HW2", "HW3" })
        {
            var id = (await PostAsync(teacher, $"/api/shells/{shell}/assignments", new { groupId = group, title, pointsPossible = 10, dueAt = Due }))
                .GetProperty("id").GetGuid();
            await PostAsync(teacher, $"/api/assignments/{id}/publish", new { published = true });
            hw.Add(id);
        }
        var s1 = await d.IdAsync("users", "nw-s-001");
        var s2 = await d.IdAsync("users", "nw-s-002");
        // s1: 8, 4 (the lowest, dropped), 10; s2: HW1 excused, HW2 9.
        foreach (var (assignment, student, score, excused) in new[] { (hw[0], s1, 8m, false), (hw[1], s1, 4m, false), (hw[2], s1, 10m, false), (hw[0], s2, 0m, true), (hw[1], s2, 9m, false) })
            await d.ExecAsync("""
                insert into submissions (tenant_id, id, shell_id, assignment_id, student_id, workflow, score, excused, submitted_at, attempt_count)
                values ($1, gen_random_uuid(), $2, $3, $4, 'graded', $5, $6, $7, 1)
                """, d.District.Id, shell, assignment, student, excused ? DBNull.Value : score, excused, Due.AddHours(-1));
        await DistrictScope.RunAsync(api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<ScoreKeeper>().RecomputeAsync(shell, null, CancellationToken.None));

        // Two students a page: every page has every column, and the pages together have every student once.
        var rows = new List<JsonElement>();
        int total;
        var page = 1;
        do
        {
            var grid = await teacher.GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/gradebook?pageSize=2&page={page++}");
            Assert.Equal(hw, grid.GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ToList());
            total = grid.GetProperty("students").GetProperty("total").GetInt32();
            var items = grid.GetProperty("students").GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            Assert.All(items, r => Assert.Equal(3, r.GetProperty("cells").GetArrayLength()));
            rows.AddRange(items);
        } while (rows.Count < total);
        Assert.True(total >= 4); // the class's students, graded or not
        Assert.Equal(total, rows.Select(r => r.GetProperty("studentId").GetGuid()).Distinct().Count());
        var row1 = rows.Single(r => r.GetProperty("studentId").GetGuid() == s1);
        Assert.Equal(90.00m, row1.GetProperty("current").GetDecimal()); // (8 + 10) / 20, HW2 dropped
        Assert.Equal("A-", row1.GetProperty("currentLetter").GetString());
        var cells = row1.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(4m, cells[1].GetProperty("entered").GetDecimal());
        Assert.True(cells[1].GetProperty("dropped").GetBoolean());
        Assert.Equal("dropped", cells[1].GetProperty("outcome").GetString());
        Assert.Equal(1, cells[0].GetProperty("rowVersion").GetInt32());

        var row2 = rows.Single(r => r.GetProperty("studentId").GetGuid() == s2);
        var cells2 = row2.GetProperty("cells").EnumerateArray().ToList();
        Assert.True(cells2[0].GetProperty("excused").GetBoolean());
        Assert.Equal("excused", cells2[0].GetProperty("outcome").GetString());
        Assert.Equal("unsubmitted", cells2[2].GetProperty("workflow").GetString());
        Assert.Equal(90.00m, row2.GetProperty("current").GetDecimal()); // 9 / 10: HW1 excused, HW3 ungraded

        // Students, another district's teacher, and bad paging.
        var learner = await d.AsAsync("nw-s-001", Roles.Student);
        Assert.Equal(HttpStatusCode.Forbidden, (await learner.GetAsync($"/api/shells/{shell}/gradebook")).StatusCode);
        var other = await ShellTestDistrict.CreateAsync(api);
        Assert.Equal(HttpStatusCode.NotFound, (await (await other.AsAsync("nw-t-001", Roles.Teacher)).GetAsync($"/api/shells/{shell}/gradebook")).StatusCode);
        await HttpAssert.ValidationProblemAsync(await teacher.GetAsync($"/api/shells/{shell}/gradebook?pageSize=1000"), "pageSize", "page too large");
    }
}
