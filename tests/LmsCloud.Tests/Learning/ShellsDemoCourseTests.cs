using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Tests.Districts;
using LmsCloud.Tests.Infrastructure;

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
}
