-- Who may hold a segment at a tier: a tier-3 chief belongs to the segment's community, a tier-2
-- chief to its sub-district. Checked when a current assignment is written, so history stays valid
-- when a chief later moves. The error carries a constraint name the service maps to a message.
CREATE OR REPLACE FUNCTION roadchief.check_assignment_jurisdiction()
RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    seg_community integer;
    seg_sub_district integer;
    chief_community integer;
    chief_sub_district integer;
BEGIN
    IF NEW.valid_to IS NOT NULL OR NEW.tier = 1 THEN
        RETURN NEW;
    END IF;
    SELECT s.community_id, c.sub_district_id
    INTO seg_community, seg_sub_district
    FROM public.road_segment AS s
    LEFT JOIN public.community AS c ON c.id = s.community_id
    WHERE s.id = NEW.segment_id;
    SELECT ch.community_id, COALESCE(ch.sub_district_id, cc.sub_district_id)
    INTO chief_community, chief_sub_district
    FROM public.chief AS ch
    LEFT JOIN public.community AS cc ON cc.id = ch.community_id
    WHERE ch.id = NEW.chief_id;
    IF NEW.tier = 3 AND chief_community IS DISTINCT FROM seg_community THEN
        RAISE EXCEPTION 'a tier-3 chief must belong to the segment''s community'
            USING ERRCODE = '23514', CONSTRAINT = 'ck_segment_assignment_tier3_community';
    END IF;
    IF NEW.tier = 2 AND chief_sub_district IS DISTINCT FROM seg_sub_district THEN
        RAISE EXCEPTION 'a tier-2 chief must belong to the segment''s sub-district'
            USING ERRCODE = '23514', CONSTRAINT = 'ck_segment_assignment_tier2_sub_district';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS tr_segment_assignment_jurisdiction ON public.segment_assignment;
CREATE TRIGGER tr_segment_assignment_jurisdiction
    BEFORE INSERT OR UPDATE OF segment_id, tier, chief_id, valid_to ON public.segment_assignment
    FOR EACH ROW EXECUTE FUNCTION roadchief.check_assignment_jurisdiction();
