using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Districts;
using LmsCloud.Core.Districts;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Districts;

public sealed class DevelopmentApiFactory : ApiFactory
{
    protected override string EnvironmentName => "Development";
}

public sealed class DevelopmentSeedTests(DevelopmentApiFactory api) : IClassFixture<DevelopmentApiFactory>
{
    [Fact]
    public async Task An_empty_development_database_gets_northwind_and_riverside()
    {
        var northwind = await api.ClientFor("northwind").GetFromJsonAsync<DistrictResponse>("/api/district");
        var riverside = await api.ClientFor("riverside").GetFromJsonAsync<DistrictResponse>("/api/district");

        Assert.Equal(("northwind", "America/Chicago"), (northwind!.Slug, northwind.TimeZone));
        Assert.Equal("riverside", riverside!.Slug);
        Assert.Equal(["northwind", "riverside"], (await DistrictProvisioning.ListAsync(api.Database.App)).Select(d => d.Slug));
    }

    [Fact]
    public async Task The_demo_users_sign_in_and_see_the_imported_sample_roster()
    {
        foreach (var (slug, classes) in new[] { ("northwind", 6), ("riverside", 6) })
        {
            var admin = new TestUser(Guid.Empty, $"admin@{slug}.test", slug);
            var token = (await api.SignInAsync(admin, LmsCloud.Api.Development.DevelopmentSeed.Password)).GetProperty("access_token").GetString()!;
            // /api/classes is a page (PagedList): { items, page, pageSize, total }.
            var listed = await api.ClientFor(slug, token).GetFromJsonAsync<JsonElement>("/api/classes");
            Assert.Equal(classes, listed.GetProperty("items").GetArrayLength());
            Assert.Equal((1, classes), (listed.GetProperty("page").GetInt32(), listed.GetProperty("total").GetInt32()));
        }
    }

    static async Task<HttpClient> SignedInAsync(ApiFactory api, string slug, string name)
    {
        var token = (await api.SignInAsync(new TestUser(Guid.Empty, $"{name}@{slug}.test", slug), LmsCloud.Api.Development.DevelopmentSeed.Password))
            .GetProperty("access_token").GetString()!;
        return api.ClientFor(slug, token);
    }

    [Fact]
    public async Task The_demo_teacher_student_and_guardian_are_people_of_the_sample_roster()
    {
        foreach (var (slug, teacherClasses, studentClasses, children) in new[] { ("northwind", 3, 3, 2), ("riverside", 2, 2, 2) })
        {
            var student = await (await SignedInAsync(api, slug, "student")).GetFromJsonAsync<JsonElement>("/api/me/classes");
            var teacher = await (await SignedInAsync(api, slug, "teacher")).GetFromJsonAsync<JsonElement>("/api/me/classes");
            var guardianChildren = await (await SignedInAsync(api, slug, "guardian")).GetFromJsonAsync<JsonElement>("/api/me/children");

            Assert.Equal(studentClasses, student.GetArrayLength());
            Assert.Equal(teacherClasses, teacher.GetArrayLength());
            Assert.Equal(children, guardianChildren.GetArrayLength());
            // Every class shows its teachers and terms, the demo teacher teaches the demo student, and the demo guardian's
            // children include the demo student, whose class list is the same.
            Assert.All(student.EnumerateArray(), c => Assert.NotEqual(0, c.GetProperty("teachers").GetArrayLength() * c.GetProperty("terms").GetArrayLength()));
            var teacherIds = teacher.EnumerateArray().Select(c => c.GetProperty("class").GetProperty("id").GetGuid()).ToHashSet();
            Assert.Contains(student.EnumerateArray(), c => teacherIds.Contains(c.GetProperty("class").GetProperty("id").GetGuid()));
            var studentIds = student.EnumerateArray().Select(c => c.GetProperty("class").GetProperty("id").GetGuid()).Order();
            Assert.Contains(guardianChildren.EnumerateArray(), child =>
                child.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("class").GetProperty("id").GetGuid()).Order().SequenceEqual(studentIds));

            // The teacher's class roster lists students.
            var teacherClient = await SignedInAsync(api, slug, "teacher");
            var roster = await teacherClient.GetFromJsonAsync<JsonElement>($"/api/classes/{teacherIds.First()}/roster");
            Assert.Contains(roster.GetProperty("members").EnumerateArray(), m => m.GetProperty("role").GetString() == "student");
        }
    }
}
