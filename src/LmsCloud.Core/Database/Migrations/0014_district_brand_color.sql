-- The district's brand colour (the web layout's header and links): '#rrggbb' in lower case, or null for the default
-- palette. Contrast with white text (WCAG AA, 4.5:1) is checked by DistrictRules.CheckBrandColor; the database keeps
-- only the shape.
alter table district_profiles add column brand_color text check (brand_color ~ '^#[0-9a-f]{6}$');
