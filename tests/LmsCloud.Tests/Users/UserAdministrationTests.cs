using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Users;

/// <summary><c>/api/users</c> for district admins, and the password reset a user completes.</summary>
public sealed class UserAdministrationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task An_admin_creates_a_user_who_can_then_sign_in_and_a_duplicate_email_is_a_conflict()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var created = await admin.PostAsJsonAsync("/api/users",
            new { email = "Ms.Rivera@Example.test", displayName = "Ana Rivera", roles = new[] { "teacher" }, password = "a long enough password" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/users/{user.GetProperty("id").GetString()}", created.Headers.Location?.ToString());
        Assert.Equal([Roles.Teacher], user.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await api.SignInAsync(new TestUser(user.GetProperty("id").GetGuid(), "ms.rivera@example.test", district.Slug), "a long enough password");

        var duplicate = await admin.PostAsJsonAsync("/api/users",
            new { email = "MS.RIVERA@example.test", displayName = "Someone Else", roles = new[] { "Student" } });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Invalid_users_are_validation_problems_naming_each_field()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var response = await admin.PostAsJsonAsync("/api/users",
            new { email = "not-an-email", displayName = "", roles = new[] { "Janitor" }, password = "short" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("email", out _));
        Assert.True(errors.TryGetProperty("displayName", out _));
        Assert.Contains("Janitor", errors.GetProperty("roles")[0].GetString());

        var weak = await admin.PostAsJsonAsync("/api/users",
            new { email = "weak@example.test", displayName = "Weak", roles = new[] { "Student" }, password = "short" });
        Assert.True((await weak.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("password", out _));
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/users?q=weak")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Patch_changes_roles_and_name_and_locking_stops_sign_in_and_refresh()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var refresh = (await api.SignInAsync(user)).GetProperty("refresh_token").GetString()!;

        var patched = await admin.PatchAsJsonAsync($"/api/users/{user.Id}",
            new { displayName = "Dr. Chen", roles = new[] { "Teacher", "SchoolAdmin" } });
        var body = await patched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Dr. Chen", body.GetProperty("displayName").GetString());
        Assert.Equal([Roles.SchoolAdmin, Roles.Teacher], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        // New roles end the old refresh tokens, so no token keeps stale roles beyond its 10 minutes.
        Assert.Equal(HttpStatusCode.BadRequest, (await Refresh(district.Slug, refresh)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{user.Id}", new { locked = true })).StatusCode);
        var denied = await api.PostTokenAsync(district.Slug, ("grant_type", "password"), ("username", user.Email), ("password", ApiFactory.Password));
        Assert.Equal(HttpStatusCode.BadRequest, denied.StatusCode);
    }

    [Fact]
    public async Task Admins_cannot_lock_themselves_or_drop_their_own_admin_role()
    {
        var district = await api.Database.CreateDistrictAsync();
        var self = await api.CreateUserAsync(district, Roles.DistrictAdmin);
        var admin = api.ClientFor(district.Slug, (await api.SignInAsync(self)).GetProperty("access_token").GetString()!);

        Assert.Equal(HttpStatusCode.Conflict, (await admin.PatchAsJsonAsync($"/api/users/{self.Id}", new { locked = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict,
            (await admin.PatchAsJsonAsync($"/api/users/{self.Id}", new { roles = new[] { "Teacher" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync($"/api/users/{Guid.NewGuid()}", new { locked = true })).StatusCode);
    }

    [Fact]
    public async Task A_locked_or_demoted_admin_cannot_undo_it_with_the_token_still_in_hand()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var other = await api.CreateUserAsync(district, Roles.DistrictAdmin);
        var otherToken = api.ClientFor(district.Slug, (await api.SignInAsync(other)).GetProperty("access_token").GetString()!);

        // Demoted: the other admin's token, which still says DistrictAdmin, is refused on the very next request.
        Assert.Equal(HttpStatusCode.OK, (await otherToken.GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{other.Id}", new { roles = new[] { "Teacher" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await otherToken.PatchAsJsonAsync($"/api/users/{other.Id}", new { roles = new[] { "DistrictAdmin", "Teacher" } })).StatusCode);
        // Even with a fresh token of their own, nobody changes their own roles.
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{other.Id}", new { roles = new[] { "DistrictAdmin" } })).StatusCode);
        otherToken = api.ClientFor(district.Slug, (await api.SignInAsync(other)).GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.Conflict,
            (await otherToken.PatchAsJsonAsync($"/api/users/{other.Id}", new { roles = new[] { "DistrictAdmin", "Teacher" } })).StatusCode);
        // Locked: the token is refused on the next request, so they cannot unlock themselves with it.
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{other.Id}", new { locked = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await otherToken.PatchAsJsonAsync($"/api/users/{other.Id}", new { locked = false })).StatusCode);

        var stored = await admin.GetFromJsonAsync<JsonElement>($"/api/users/{other.Id}");
        Assert.True(stored.GetProperty("locked").GetBoolean());
        Assert.Equal(["DistrictAdmin"], stored.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_password_reset_token_sets_a_new_password_once_and_ends_old_sessions()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var user = await api.CreateUserAsync(district, Roles.Student);
        var oldSignIn = await api.SignInAsync(user);
        var oldRefresh = oldSignIn.GetProperty("refresh_token").GetString()!;
        var oldAccess = api.ClientFor(district.Slug, oldSignIn.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await oldAccess.GetAsync("/api/me")).StatusCode);

        var reset = await admin.PostAsync($"/api/users/{user.Id}/password-reset", null);
        var token = (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        var anonymous = api.ClientFor(district.Slug);

        var used = await anonymous.PostAsJsonAsync("/api/account/password-reset", new { token, newPassword = "my brand new passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, used.StatusCode);
        await api.SignInAsync(user, "my brand new passphrase");
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostTokenAsync(district.Slug,
            ("grant_type", "password"), ("username", user.Email), ("password", ApiFactory.Password))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Refresh(district.Slug, oldRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldAccess.GetAsync("/api/me")).StatusCode); // at once, not in 10 minutes

        var again = await anonymous.PostAsJsonAsync("/api/account/password-reset", new { token, newPassword = "another new passphrase" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task The_user_list_filters_by_role_and_text_and_pages()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        for (var i = 0; i < 3; i++) await api.CreateUserAsync(district, Roles.Student);
        await api.CreateUserAsync(district, Roles.Teacher, "zed.teacher@example.test");

        var students = await admin.GetFromJsonAsync<JsonElement>("/api/users?role=student&pageSize=2");
        Assert.Equal(3, students.GetProperty("total").GetInt32());
        Assert.Equal(2, students.GetProperty("items").GetArrayLength());
        var found = await admin.GetFromJsonAsync<JsonElement>("/api/users?q=ZED");
        Assert.Equal("zed.teacher@example.test", found.GetProperty("items")[0].GetProperty("email").GetString());
    }

    Task<HttpResponseMessage> Refresh(string slug, string token) =>
        api.PostTokenAsync(slug, ("grant_type", "refresh_token"), ("refresh_token", token));
}
