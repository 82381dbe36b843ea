using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Grades;
using LmsCloud.Core.Tenancy;
using LmsCloud.Tests.Districts;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LmsCloud.Tests.Learning;

/// <summary>The development seed's demo courses: the demo teacher builds them, the demo student takes one, the demo guardian sees it.</summary>
public sealed class ShellsDemoCourseTests(DevelopmentApiFactory api) : IClassFixture<DevelopmentApiFactory>
{
    async Task<HttpClient> SignedInAsync(string slug, string name)
    {
        var token = (await api.SignInAsync(new TestUser(Guid.Empty, $"{name}@{slug}.test", slug), LmsCloud.Api.Development.DevelopmentSeed.Password))
            .GetProperty("access_token").GetString()!;
        return api.ClientFor(slug, token);
    }

    [Fact]
    public async Task Demo_districts_have_published_courses_the_demo_student_and_guardian_see()
    {
        foreach (var slug in new[] { "northwind", "riverside" })
        {
            var student = await SignedInAsync(slug, "student");
            var mine = (await student.GetFromJsonAsync<JsonElement>("/api/shells")).GetProperty("items").EnumerateArray().ToList();
            Assert.NotEmpty(mine);
            var course = await student.GetFromJsonAsync<JsonElement>($"/api/shells/{mine[0].GetProperty("id").GetGuid()}");
            var modules = course.GetProperty("modules").EnumerateArray().ToList();
            Assert.Equal(["Getting started", "Unit 1: Foundations", "Unit 2: Building on it"], modules.Select(m => m.GetProperty("title").GetString()));
            Assert.False(modules[0].GetProperty("locked").GetBoolean());
            Assert.True(modules[2].GetProperty("locked").GetBoolean()); // unlocks in two weeks
            var lesson = modules[0].GetProperty("items")[0].GetProperty("id").GetGuid();
            var content = await student.GetFromJsonAsync<JsonElement>($"/api/shells/{mine[0].GetProperty("id").GetGuid()}/items/{lesson}/content");
            Assert.Contains("<h1", content.GetProperty("html").GetString());

            var guardian = (await (await SignedInAsync(slug, "guardian")).GetFromJsonAsync<JsonElement>("/api/shells")).GetProperty("items");
            Assert.Contains(guardian.EnumerateArray(), s => s.GetProperty("id").GetGuid() == mine[0].GetProperty("id").GetGuid());
            var teacher = (await (await SignedInAsync(slug, "teacher")).GetFromJsonAsync<JsonElement>("/api/shells?status=published")).GetProperty("total").GetInt32();
            Assert.Equal(2, teacher);
        }
    }

    [Fact]
    public async Task The_demo_students_course_has_assignments_and_a_stored_grade_equal_to_the_engines_which_the_guardian_sees_too()
    {
        foreach (var d in await DistrictProvisioning.ListAsync(api.Database.App))
        {
            var district = new District(d.Id, d.Slug, d.Name, d.Status);
            await using var conn = await api.Database.OpenAsTenantAsync(d.Id);
            var student = await TestDatabase.ScalarAsync<Guid>(conn, "select id from users where email = $1", $"student@{d.Slug}.test");
            var shell = await TestDatabase.ScalarAsync<Guid>(conn, "select distinct shell_id from assignment_groups");
            Assert.Equal(6L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from assignments where shell_id = $1 and published", shell));

            // The stored grade exists and is exactly what the engine computes from the same inputs now.
            var (stored, computed) = await DistrictScope.RunAsync(api.Services, district, async scope =>
            {
                var scores = scope.GetRequiredService<ScoreKeeper>();
                return ((await scores.GetAsync(shell, student, default))?.Result, (await scores.ComputeAsync(shell, null, default))[student]);
            });
            Assert.NotNull(stored);
            Assert.NotNull(stored.Current);
            Assert.Equal(JsonSerializer.Serialize(computed, GradeDescriptionJson.WriteOptions), JsonSerializer.Serialize(stored, GradeDescriptionJson.WriteOptions));

            // The student's view: real numbers, with the missing, late, extended and quiz work explained.
            var mine = await (await SignedInAsync(d.Slug, "student")).GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/students/{student}/grade");
            Assert.Equal(stored.Current, mine.GetProperty("current").GetDecimal());
            var explained = mine.GetProperty("explanation").GetProperty("assignments").EnumerateArray().ToList();
            Assert.Contains(explained, a => a.GetProperty("status").GetString() == "missing" && a.GetProperty("score").GetDecimal() == 0);
            Assert.Contains(explained, a => a.GetProperty("status").GetString() == "late" && a.GetProperty("late").ValueKind == JsonValueKind.Object);
            Assert.Contains(explained, a => a.GetProperty("enteredScore").ValueKind == JsonValueKind.Number && a.GetProperty("enteredScore").GetDecimal() == 4);
            Assert.Equal(5, explained.Count(a => a.GetProperty("countsInCurrent").GetBoolean())); // HW1, HW2 (missing), HW3, unit test, quiz; not the project
            var guardian = await (await SignedInAsync(d.Slug, "guardian")).GetFromJsonAsync<JsonElement>($"/api/shells/{shell}/students/{student}/grade");
            Assert.Equal(stored.Current, guardian.GetProperty("current").GetDecimal());
            Assert.True(await TestDatabase.ScalarAsync<long>(conn, "select count(*) from grade_changes where student_id = $1", student) >= 5);

            // Seeding again changes nothing.
            var changes = await TestDatabase.ScalarAsync<long>(conn, "select count(*) from grade_changes");
            await LmsCloud.Api.Development.CourseSeed.RunAsync(api.Services, district, NullLogger.Instance, default);
            Assert.Equal(6L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from assignments"));
            Assert.Equal(changes, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from grade_changes"));
        }
    }
}
